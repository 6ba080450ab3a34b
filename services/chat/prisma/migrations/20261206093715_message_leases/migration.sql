-- DropIndex
DROP INDEX "chat_messages_status_updated_at_idx";

-- AlterTable
ALTER TABLE "chat_messages" ADD COLUMN     "lease_expires_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "chat_messages_status_lease_expires_at_idx" ON "chat_messages"("status", "lease_expires_at");

-- Answers streaming during the upgrade keep the grace the old rule gave them (60 s after their last save).
UPDATE "chat_messages"
SET "lease_expires_at" = "updated_at" + INTERVAL '60 seconds'
WHERE "status" = 'streaming';
