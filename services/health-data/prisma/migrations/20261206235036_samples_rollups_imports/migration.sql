-- CreateEnum
CREATE TYPE "ImportStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "imports" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "filename" TEXT,
    "status" "ImportStatus" NOT NULL,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "samples_stored" INTEGER NOT NULL DEFAULT 0,
    "rejected_count" INTEGER NOT NULL DEFAULT 0,
    "rejections" JSONB NOT NULL DEFAULT '[]',
    "failure_reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "accepted_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "imports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "samples" (
    "user_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "record_key" TEXT NOT NULL,
    "start_at" TIMESTAMPTZ(3) NOT NULL,
    "end_at" TIMESTAMPTZ(3) NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "unit" TEXT NOT NULL,
    "details" JSONB,
    "import_id" UUID,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "samples_pkey" PRIMARY KEY ("user_id","source","metric","record_key","start_at")
);

-- CreateTable
CREATE TABLE "rollups_hourly" (
    "user_id" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "bucket_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    "min" DOUBLE PRECISION NOT NULL,
    "max" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "rollups_hourly_pkey" PRIMARY KEY ("user_id","metric","source","bucket_start")
);

-- CreateTable
CREATE TABLE "rollups_daily" (
    "user_id" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "bucket_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    "min" DOUBLE PRECISION NOT NULL,
    "max" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "rollups_daily_pkey" PRIMARY KEY ("user_id","metric","source","bucket_start")
);

-- CreateTable
CREATE TABLE "garmin_connections" (
    "garmin_user_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "access_token" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "garmin_connections_pkey" PRIMARY KEY ("garmin_user_id")
);

-- CreateIndex
CREATE INDEX "imports_user_id_accepted_at_idx" ON "imports"("user_id", "accepted_at" DESC);

-- CreateIndex
CREATE INDEX "samples_user_id_metric_start_at_idx" ON "samples"("user_id", "metric", "start_at");

-- CreateIndex
CREATE INDEX "samples_user_id_source_record_key_idx" ON "samples"("user_id", "source", "record_key");

-- CreateIndex
CREATE UNIQUE INDEX "garmin_connections_user_id_key" ON "garmin_connections"("user_id");
