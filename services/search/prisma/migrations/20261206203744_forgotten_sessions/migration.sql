-- CreateTable
CREATE TABLE "forgotten_sessions" (
    "user_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "forgotten_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "forgotten_sessions_pkey" PRIMARY KEY ("user_id","session_id")
);
