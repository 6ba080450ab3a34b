-- CreateEnum
CREATE TYPE "DocumentStatus" AS ENUM ('pending', 'indexed', 'failed');

-- CreateTable
CREATE TABLE "documents" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "collection" TEXT NOT NULL,
    "title" TEXT,
    "source" TEXT,
    "tags" TEXT[],
    "date" TEXT,
    "text" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "text_length" INTEGER NOT NULL,
    "status" "DocumentStatus" NOT NULL,
    "failure_reason" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "embedding_space" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "indexed_at" TIMESTAMPTZ(3),

    CONSTRAINT "documents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "collections" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "collections_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "documents_user_id_created_at_id_idx" ON "documents"("user_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "documents_user_id_collection_idx" ON "documents"("user_id", "collection");

-- CreateIndex
CREATE UNIQUE INDEX "collections_user_id_name_key" ON "collections"("user_id", "name");
