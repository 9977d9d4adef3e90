-- DropIndex
DROP INDEX "Outbox_status_id_idx";

-- CreateIndex
CREATE INDEX "Outbox_status_channel_id_idx" ON "Outbox"("status", "channel", "id");
