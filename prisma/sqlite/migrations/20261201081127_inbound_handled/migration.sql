-- AlterTable
ALTER TABLE "Interaction" ADD COLUMN "handledAt" DATETIME;

-- CreateIndex
CREATE INDEX "Interaction_direction_handledAt_idx" ON "Interaction"("direction", "handledAt");

-- Inbound rows stored before this migration were handled long ago: never replay them.
UPDATE "Interaction" SET "handledAt" = "createdAt" WHERE "direction" = 'in';

-- An inbound message is handled once: a turn's commit sets handledAt, and a second commit for the
-- same message (a replay racing a redelivery, or another instance) aborts its whole transaction.
CREATE TRIGGER "Interaction_handled_once" BEFORE UPDATE OF "handledAt" ON "Interaction"
WHEN OLD."handledAt" IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'rapport: inbound message already handled');
END;
