-- A name search that walks the customer list (a name thousands share) checks each customer's names:
-- with the names in these indexes it reads the indexes alone (index-only scans), not the tables.
-- A B-tree entry holds at most about 2,700 bytes: names are stored at 200 characters at most
-- (src/store/customers.ts), and older longer ones are cut to 200 here.
UPDATE "Customer" SET "displayName" = left("displayName", 200) WHERE length("displayName") > 200;
UPDATE "ChannelIdentity" SET "displayName" = left("displayName", 200) WHERE length("displayName") > 200;

-- DropIndex
DROP INDEX "Customer_lastSeenAt_id_idx";

-- DropIndex
DROP INDEX "ChannelIdentity_customerId_idx";

-- CreateIndex
CREATE INDEX "Customer_lastSeenAt_id_displayName_idx" ON "Customer"("lastSeenAt", "id", "displayName");

-- CreateIndex
CREATE INDEX "ChannelIdentity_customerId_displayName_idx" ON "ChannelIdentity"("customerId", "displayName");
