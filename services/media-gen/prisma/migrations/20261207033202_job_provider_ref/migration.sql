-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "provider_ref" TEXT;
