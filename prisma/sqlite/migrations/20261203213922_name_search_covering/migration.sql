-- A name search that walks the customer list (a name thousands share) checks each customer's names:
-- with the names in these indexes it reads the indexes alone, not the tables.

-- DropIndex
DROP INDEX "Customer_lastSeenAt_id_idx";

-- DropIndex
DROP INDEX "ChannelIdentity_customerId_idx";

-- CreateIndex
CREATE INDEX "Customer_lastSeenAt_id_displayName_idx" ON "Customer"("lastSeenAt", "id", "displayName");

-- CreateIndex
CREATE INDEX "ChannelIdentity_customerId_displayName_idx" ON "ChannelIdentity"("customerId", "displayName");
