-- DropIndex
DROP INDEX "Interaction_direction_handledAt_idx";

-- Inbound messages stored but never handled (src/engine/replay.ts), by id: a partial index written
-- by hand, as Prisma's schema cannot express one. It holds only the few unhandled rows, so outbound
-- rows and events never enter it, a turn's commit takes its message out of it, and the replay's
-- scan at start-up reads those rows alone, however long the log.
CREATE INDEX "Interaction_unhandled_idx" ON "Interaction"("id") WHERE "direction" = 'in' AND "handledAt" IS NULL;
