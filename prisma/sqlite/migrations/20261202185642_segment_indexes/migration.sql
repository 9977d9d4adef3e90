-- DropIndex
DROP INDEX "CustomerTag_tag_idx";

-- DropIndex
DROP INDEX "Purchase_at_idx";

-- CreateIndex
CREATE INDEX "CustomerTag_tag_customerId_idx" ON "CustomerTag"("tag", "customerId");

-- CreateIndex
CREATE INDEX "ChannelIdentity_channel_customerId_idx" ON "ChannelIdentity"("channel", "customerId");

-- CreateIndex
CREATE INDEX "Purchase_at_customerId_amount_idx" ON "Purchase"("at", "customerId", "amount");
