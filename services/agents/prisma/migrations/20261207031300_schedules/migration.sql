-- CreateTable
CREATE TABLE "schedules" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "agent_id" UUID NOT NULL,
    "name" TEXT,
    "prompt" TEXT NOT NULL,
    "cron" TEXT,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "run_at" TIMESTAMPTZ(3),
    "catch_up" TEXT NOT NULL DEFAULT 'latest',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "next_fire_at" TIMESTAMPTZ(3),
    "last_fired_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_fires" (
    "id" UUID NOT NULL,
    "schedule_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "slot" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lease_until" TIMESTAMPTZ(3),
    "run_id" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "schedule_fires_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "schedule_id" UUID,
    "fire_id" UUID,
    "run_id" TEXT,
    "fired_for" TIMESTAMPTZ(3),
    "read_at" TIMESTAMPTZ(3),
    "published_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "schedules_user_id_seq_idx" ON "schedules"("user_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "schedules_next_fire_at_idx" ON "schedules"("next_fire_at");

-- CreateIndex
CREATE INDEX "schedule_fires_status_lease_until_idx" ON "schedule_fires"("status", "lease_until");

-- CreateIndex
CREATE UNIQUE INDEX "schedule_fires_schedule_id_slot_key" ON "schedule_fires"("schedule_id", "slot");

-- CreateIndex
CREATE UNIQUE INDEX "notifications_fire_id_key" ON "notifications"("fire_id");

-- CreateIndex
CREATE INDEX "notifications_user_id_seq_idx" ON "notifications"("user_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "notifications_user_id_read_at_idx" ON "notifications"("user_id", "read_at");

-- CreateIndex
CREATE INDEX "notifications_published_at_idx" ON "notifications"("published_at");

-- AddForeignKey
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_fires" ADD CONSTRAINT "schedule_fires_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE;
