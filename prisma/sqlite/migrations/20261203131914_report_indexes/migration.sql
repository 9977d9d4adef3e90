-- DropIndex
DROP INDEX "MarketingSend_campaignId_idx";

-- CreateIndex
CREATE INDEX "Interaction_direction_createdAt_channel_idx" ON "Interaction"("direction", "createdAt", "channel");

-- CreateIndex
CREATE INDEX "MarketingSend_campaignId_id_idx" ON "MarketingSend"("campaignId", "id");

-- CreateIndex
CREATE INDEX "PointsEntry_kind_createdAt_delta_idx" ON "PointsEntry"("kind", "createdAt", "delta");
