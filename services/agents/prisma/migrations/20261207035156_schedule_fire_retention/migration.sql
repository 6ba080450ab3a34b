-- CreateIndex
CREATE INDEX "schedule_fires_finished_at_idx" ON "schedule_fires"("finished_at");
