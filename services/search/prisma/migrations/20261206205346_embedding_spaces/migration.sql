-- CreateEnum
CREATE TYPE "EmbeddingSpaceRole" AS ENUM ('serving', 'building');

-- CreateTable
CREATE TABLE "embedding_spaces" (
    "id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "dimensions" INTEGER NOT NULL,
    "role" "EmbeddingSpaceRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "embedding_spaces_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "embedding_spaces_role_key" ON "embedding_spaces"("role");

-- CreateIndex
CREATE INDEX "documents_seq_idx" ON "documents"("seq");
