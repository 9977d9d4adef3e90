-- CreateTable
CREATE TABLE "Redemption" (
    "id" SERIAL NOT NULL,
    "customerId" TEXT NOT NULL,
    "rewardId" TEXT NOT NULL,
    "cost" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "pointsKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Redemption_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RewardStock" (
    "rewardId" TEXT NOT NULL,
    "redeemed" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "RewardStock_pkey" PRIMARY KEY ("rewardId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Redemption_code_key" ON "Redemption"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Redemption_pointsKey_key" ON "Redemption"("pointsKey");

-- CreateIndex
CREATE INDEX "Redemption_customerId_rewardId_idx" ON "Redemption"("customerId", "rewardId");

-- AddForeignKey
ALTER TABLE "Redemption" ADD CONSTRAINT "Redemption_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
