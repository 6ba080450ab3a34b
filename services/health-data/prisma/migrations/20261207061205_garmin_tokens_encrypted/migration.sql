-- AlterTable
ALTER TABLE "garmin_connections" ADD COLUMN     "access_token_sealed" BYTEA;

-- CreateTable
CREATE TABLE "user_data_keys" (
    "user_id" TEXT NOT NULL,
    "master_key_id" TEXT NOT NULL,
    "wrapped_key" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rewrapped_at" TIMESTAMPTZ(3),

    CONSTRAINT "user_data_keys_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE INDEX "user_data_keys_master_key_id_idx" ON "user_data_keys"("master_key_id");
