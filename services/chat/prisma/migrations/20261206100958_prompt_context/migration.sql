-- AlterTable
ALTER TABLE "chat_messages" ADD COLUMN     "prompt_context" JSONB;
