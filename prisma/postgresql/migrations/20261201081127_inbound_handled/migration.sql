-- AlterTable
ALTER TABLE "Interaction" ADD COLUMN     "handledAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Interaction_direction_handledAt_idx" ON "Interaction"("direction", "handledAt");

-- Inbound rows stored before this migration were handled long ago: never replay them.
UPDATE "Interaction" SET "handledAt" = "createdAt" WHERE "direction" = 'in';

-- An inbound message is handled once: a turn's commit sets handledAt, and a second commit for the
-- same message (a replay racing a redelivery, or another instance) aborts its whole transaction.
-- The adapter that applies migrations offline splits scripts at every semicolon, so the function
-- body is an E'' string with each semicolon written as the octal escape \073.
CREATE FUNCTION "rapport_handled_once"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF OLD."handledAt" IS NOT NULL THEN
    RAISE EXCEPTION ''rapport: inbound message already handled''\073
  END IF\073
  RETURN NEW\073
END
';

CREATE TRIGGER "Interaction_handled_once" BEFORE UPDATE OF "handledAt" ON "Interaction"
FOR EACH ROW EXECUTE FUNCTION "rapport_handled_once"();
