-- CreateTable
CREATE TABLE "generation_attempts" (
    "id" UUID NOT NULL,
    "stream_id" UUID NOT NULL,
    "message_id" UUID,
    "user_id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "error_code" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "generation_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "generation_attempts_user_id_started_at_idx" ON "generation_attempts"("user_id", "started_at");

-- CreateIndex
CREATE INDEX "generation_attempts_stream_id_idx" ON "generation_attempts"("stream_id");
