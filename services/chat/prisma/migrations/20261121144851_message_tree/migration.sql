-- AlterTable
ALTER TABLE "chat_messages" ADD COLUMN     "parent_id" UUID;

-- AlterTable
ALTER TABLE "chat_sessions" ADD COLUMN     "active_leaf_id" UUID;

-- Existing conversations were linear: each message follows the one before it, and the newest is active.
UPDATE "chat_messages" AS m
SET "parent_id" = ordered."previous_id"
FROM (
    SELECT "id", LAG("id") OVER (PARTITION BY "session_id" ORDER BY "created_at", "id") AS "previous_id"
    FROM "chat_messages"
) AS ordered
WHERE m."id" = ordered."id";

UPDATE "chat_sessions" AS s
SET "active_leaf_id" = newest."id"
FROM (
    SELECT DISTINCT ON ("session_id") "session_id", "id"
    FROM "chat_messages"
    ORDER BY "session_id", "created_at" DESC, "id" DESC
) AS newest
WHERE s."id" = newest."session_id";
