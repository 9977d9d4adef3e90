-- AlterTable
ALTER TABLE "Interaction" ADD COLUMN "handledAt" DATETIME;

-- CreateIndex
CREATE INDEX "Interaction_handledAt_idx" ON "Interaction"("handledAt");

-- Rows written before this migration were handled (their turns committed long ago): never replay them.
UPDATE "Interaction" SET "handledAt" = "createdAt";
