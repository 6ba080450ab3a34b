-- CreateIndex
CREATE INDEX "notifications_created_at_idx" ON "notifications"("created_at");
