-- CreateTable
CREATE TABLE "ReferralQuota" (
    "referrerId" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "paid" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("referrerId", "month")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Redemption" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" TEXT NOT NULL,
    "rewardId" TEXT NOT NULL,
    "cost" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "pointsKey" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'issued',
    "usedAt" DATETIME,
    "cancelledAt" DATETIME,
    CONSTRAINT "Redemption_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Redemption" ("code", "cost", "createdAt", "customerId", "id", "pointsKey", "rewardId") SELECT "code", "cost", "createdAt", "customerId", "id", "pointsKey", "rewardId" FROM "Redemption";
DROP TABLE "Redemption";
ALTER TABLE "new_Redemption" RENAME TO "Redemption";
CREATE UNIQUE INDEX "Redemption_code_key" ON "Redemption"("code");
CREATE UNIQUE INDEX "Redemption_pointsKey_key" ON "Redemption"("pointsKey");
CREATE INDEX "Redemption_customerId_rewardId_idx" ON "Redemption"("customerId", "rewardId");
CREATE TABLE "new_Referral" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "referrerId" TEXT NOT NULL,
    "refereeId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'paid',
    "paidAt" DATETIME
);
INSERT INTO "new_Referral" ("createdAt", "id", "refereeId", "referrerId") SELECT "createdAt", "id", "refereeId", "referrerId" FROM "Referral";
DROP TABLE "Referral";
ALTER TABLE "new_Referral" RENAME TO "Referral";
CREATE UNIQUE INDEX "Referral_refereeId_key" ON "Referral"("refereeId");
CREATE INDEX "Referral_referrerId_idx" ON "Referral"("referrerId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
