-- AlterTable
ALTER TABLE "PointsEntry" ADD COLUMN     "expiryDone" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "Outbox_status_id_idx" ON "Outbox"("status", "id");

-- CreateIndex
CREATE INDEX "Outbox_status_sentAt_idx" ON "Outbox"("status", "sentAt");

-- CreateIndex
CREATE INDEX "Outbox_customerId_idx" ON "Outbox"("customerId");

-- CreateIndex
CREATE INDEX "PointsEntry_expiryDone_expiresAt_idx" ON "PointsEntry"("expiryDone", "expiresAt");

-- CreateIndex
CREATE INDEX "FollowUp_customerId_idx" ON "FollowUp"("customerId");
