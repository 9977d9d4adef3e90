-- AlterTable
ALTER TABLE "Interaction" ADD COLUMN "handledAt" DATETIME;

-- CreateIndex
CREATE INDEX "Interaction_direction_handledAt_idx" ON "Interaction"("direction", "handledAt");

-- Inbound rows stored before this migration were handled long ago: never replay them.
UPDATE "Interaction" SET "handledAt" = "createdAt" WHERE "direction" = 'in';
