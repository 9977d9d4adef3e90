-- Hand-written in place of Prisma's table rebuild: ALTER TABLE keeps the Customer table, its rows
-- and the name-search triggers (a rebuild drops the triggers and rewrites every customer).
-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "purchaseCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Customer" ADD COLUMN "purchaseAmount" REAL NOT NULL DEFAULT 0;
ALTER TABLE "Customer" ADD COLUMN "firstPurchaseAt" DATETIME;
ALTER TABLE "Customer" ADD COLUMN "lastPurchaseAt" DATETIME;
ALTER TABLE "Customer" ADD COLUMN "lastCsat" INTEGER;
ALTER TABLE "Customer" ADD COLUMN "lastNps" INTEGER;

-- CreateTable
CREATE TABLE "CustomerTag" (
    "customerId" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("customerId", "tag"),
    CONSTRAINT "CustomerTag_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Segment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "rules" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- Backfill (hand-written): each customer's purchase totals, and the old stages in the new names.
-- customer (one purchase) becomes new, repeat becomes active, and the lifecycle job's first run moves
-- each to the stage its dates give (new → active after lifecycle.newDays, at_risk, churned, loyal).
UPDATE "Customer" SET
  "purchaseCount" = (SELECT COUNT(*) FROM "Purchase" p WHERE p."customerId" = "Customer"."id"),
  "purchaseAmount" = (SELECT COALESCE(SUM(p."amount"), 0) FROM "Purchase" p WHERE p."customerId" = "Customer"."id"),
  "firstPurchaseAt" = (SELECT MIN(p."at") FROM "Purchase" p WHERE p."customerId" = "Customer"."id"),
  "lastPurchaseAt" = (SELECT MAX(p."at") FROM "Purchase" p WHERE p."customerId" = "Customer"."id")
WHERE "id" IN (SELECT "customerId" FROM "Purchase");
UPDATE "Customer" SET "stage" = 'new' WHERE "stage" = 'customer';
UPDATE "Customer" SET "stage" = 'active' WHERE "stage" = 'repeat';
UPDATE "Customer" SET "lastCsat" = (SELECT f."score" FROM "Feedback" f WHERE f."customerId" = "Customer"."id" AND f."kind" = 'csat' AND f."score" IS NOT NULL ORDER BY f."createdAt" DESC, f."id" DESC LIMIT 1)
WHERE "id" IN (SELECT "customerId" FROM "Feedback" WHERE "kind" = 'csat');
UPDATE "Customer" SET "lastNps" = (SELECT f."score" FROM "Feedback" f WHERE f."customerId" = "Customer"."id" AND f."kind" = 'nps' AND f."score" IS NOT NULL ORDER BY f."createdAt" DESC, f."id" DESC LIMIT 1)
WHERE "id" IN (SELECT "customerId" FROM "Feedback" WHERE "kind" = 'nps');

-- CreateIndex
CREATE INDEX "Customer_stage_lastSeenAt_idx" ON "Customer"("stage", "lastSeenAt");
CREATE INDEX "Customer_stage_firstPurchaseAt_idx" ON "Customer"("stage", "firstPurchaseAt");
CREATE INDEX "Customer_lastPurchaseAt_idx" ON "Customer"("lastPurchaseAt");
CREATE INDEX "Customer_purchaseCount_idx" ON "Customer"("purchaseCount");
CREATE INDEX "Customer_purchaseAmount_purchaseCount_idx" ON "Customer"("purchaseAmount", "purchaseCount");
CREATE INDEX "CustomerTag_tag_idx" ON "CustomerTag"("tag");
CREATE UNIQUE INDEX "Segment_name_key" ON "Segment"("name");
