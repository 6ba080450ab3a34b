-- DropIndex
DROP INDEX "documents_user_id_created_at_id_idx";

-- AlterTable
ALTER TABLE "documents" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE INDEX "documents_user_id_seq_idx" ON "documents"("user_id", "seq" DESC);
