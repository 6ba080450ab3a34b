-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "started_at" TIMESTAMPTZ(3);
