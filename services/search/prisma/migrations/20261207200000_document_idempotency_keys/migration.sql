-- AlterTable
ALTER TABLE "documents" ADD COLUMN     "idempotency_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "documents_user_id_idempotency_key_key" ON "documents"("user_id", "idempotency_key");
