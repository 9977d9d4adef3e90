-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "outcomes" JSONB;
