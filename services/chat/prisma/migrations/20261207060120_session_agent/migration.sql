-- AlterTable
ALTER TABLE "chat_sessions" ADD COLUMN     "agent_id" UUID;
