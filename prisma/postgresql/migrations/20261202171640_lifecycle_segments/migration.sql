-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "firstPurchaseAt" TIMESTAMP(3),
ADD COLUMN     "lastCsat" INTEGER,
ADD COLUMN     "lastNps" INTEGER,
ADD COLUMN     "lastPurchaseAt" TIMESTAMP(3),
ADD COLUMN     "purchaseAmount" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "purchaseCount" INTEGER NOT NULL DEFAULT 0;

-- Backfill (hand-written): each customer's purchase totals, and the old stages in the new names.
-- customer (one purchase) becomes new, repeat becomes active, and the lifecycle job's first run moves
-- each to the stage its dates give (new to active after lifecycle.newDays, at_risk, churned, loyal).
UPDATE "Customer" c SET
  "purchaseCount" = t.n, "purchaseAmount" = t.amount, "firstPurchaseAt" = t.first, "lastPurchaseAt" = t.last
FROM (SELECT "customerId", COUNT(*) AS n, COALESCE(SUM("amount"), 0) AS amount, MIN("at") AS first, MAX("at") AS last
      FROM "Purchase" GROUP BY "customerId") t
WHERE t."customerId" = c."id";
UPDATE "Customer" SET "stage" = 'new' WHERE "stage" = 'customer';
UPDATE "Customer" SET "stage" = 'active' WHERE "stage" = 'repeat';
UPDATE "Customer" c SET "lastCsat" = f."score"
FROM (SELECT DISTINCT ON ("customerId") "customerId", "score" FROM "Feedback"
      WHERE "kind" = 'csat' AND "score" IS NOT NULL ORDER BY "customerId", "createdAt" DESC, "id" DESC) f
WHERE f."customerId" = c."id";
UPDATE "Customer" c SET "lastNps" = f."score"
FROM (SELECT DISTINCT ON ("customerId") "customerId", "score" FROM "Feedback"
      WHERE "kind" = 'nps' AND "score" IS NOT NULL ORDER BY "customerId", "createdAt" DESC, "id" DESC) f
WHERE f."customerId" = c."id";

-- CreateTable
CREATE TABLE "CustomerTag" (
    "customerId" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerTag_pkey" PRIMARY KEY ("customerId","tag")
);

-- CreateTable
CREATE TABLE "Segment" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "rules" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Segment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CustomerTag_tag_idx" ON "CustomerTag"("tag");

-- CreateIndex
CREATE UNIQUE INDEX "Segment_name_key" ON "Segment"("name");

-- CreateIndex
CREATE INDEX "Customer_stage_lastSeenAt_idx" ON "Customer"("stage", "lastSeenAt");

-- CreateIndex
CREATE INDEX "Customer_stage_firstPurchaseAt_idx" ON "Customer"("stage", "firstPurchaseAt");

-- CreateIndex
CREATE INDEX "Customer_lastPurchaseAt_idx" ON "Customer"("lastPurchaseAt");

-- CreateIndex
CREATE INDEX "Customer_purchaseCount_idx" ON "Customer"("purchaseCount");

-- CreateIndex
CREATE INDEX "Customer_purchaseAmount_purchaseCount_idx" ON "Customer"("purchaseAmount", "purchaseCount");

-- AddForeignKey
ALTER TABLE "CustomerTag" ADD CONSTRAINT "CustomerTag_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
