-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "rate_limit_concurrent_streams" INTEGER,
ADD COLUMN     "rate_limit_requests_per_minute" INTEGER;
