-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "lease_until" TIMESTAMPTZ(3);
