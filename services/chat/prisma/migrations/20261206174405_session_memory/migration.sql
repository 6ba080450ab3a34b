-- AlterTable
ALTER TABLE "chat_sessions" ADD COLUMN     "memory" JSONB;
