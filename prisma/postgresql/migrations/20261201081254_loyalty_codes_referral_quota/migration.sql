-- AlterTable
ALTER TABLE "Redemption" ADD COLUMN     "cancelledAt" TIMESTAMP(3),
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'issued',
ADD COLUMN     "usedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Referral" ADD COLUMN     "paidAt" TIMESTAMP(3),
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'paid';

-- CreateTable
CREATE TABLE "ReferralQuota" (
    "referrerId" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "paid" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ReferralQuota_pkey" PRIMARY KEY ("referrerId","month")
);
