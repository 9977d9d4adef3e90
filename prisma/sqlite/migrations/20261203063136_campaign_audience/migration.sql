-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN "audienceAt" DATETIME;

-- CreateTable
CREATE TABLE "CampaignTarget" (
    "campaignId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,

    PRIMARY KEY ("campaignId", "customerId"),
    CONSTRAINT "CampaignTarget_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
