-- CreateTable
CREATE TABLE "batch_files" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "lines" INTEGER,
    "storage_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batch_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batches" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "api_key_id" TEXT,
    "input_file_id" UUID NOT NULL,
    "endpoint" TEXT NOT NULL,
    "completion_window" TEXT NOT NULL,
    "metadata" JSONB,
    "status" TEXT NOT NULL,
    "errors" JSONB,
    "output_file_id" UUID,
    "error_file_id" UUID,
    "total" INTEGER NOT NULL DEFAULT 0,
    "completed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "in_progress_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "finalizing_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "expired_at" TIMESTAMPTZ(3),
    "cancelling_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batch_requests" (
    "batch_id" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "custom_id" TEXT,
    "body" JSONB,
    "model" TEXT,
    "route" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "response" JSONB,
    "error" JSONB,
    "cost_usd" DOUBLE PRECISION,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "batch_requests_pkey" PRIMARY KEY ("batch_id","line")
);

-- CreateTable
CREATE TABLE "batch_provider_jobs" (
    "batch_id" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_batch_id" TEXT,
    "status" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batch_provider_jobs_pkey" PRIMARY KEY ("batch_id","model")
);

-- CreateIndex
CREATE INDEX "batch_files_user_id_seq_idx" ON "batch_files"("user_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "batches_user_id_seq_idx" ON "batches"("user_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "batches_input_file_id_idx" ON "batches"("input_file_id");

-- CreateIndex
CREATE INDEX "batch_requests_batch_id_status_idx" ON "batch_requests"("batch_id", "status");

-- AddForeignKey
ALTER TABLE "batch_requests" ADD CONSTRAINT "batch_requests_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "batches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_provider_jobs" ADD CONSTRAINT "batch_provider_jobs_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "batches"("id") ON DELETE CASCADE ON UPDATE CASCADE;
