-- The unanswered-questions report (hand-written: Prisma's schema cannot express a partial index).
-- It groups the faq_unanswered events of a window by text. Read through Interaction(kind, createdAt)
-- it fetched every event's row from the table: a year's events at a million customers took about
-- 2 s. This index holds exactly those events with their text and id, so the report reads the index
-- alone (an index-only scan).
-- A B-tree entry holds at most about 2,700 bytes: the engine writes these texts at 500 characters
-- at most (src/features/faq/question-key.ts), and older longer ones are cut to 500 here (the whole
-- question stays in the event's payload and in the customer's own message).
UPDATE "Interaction" SET "text" = left("text", 500) WHERE "kind" = 'faq_unanswered' AND length("text") > 500;

CREATE INDEX "Interaction_unanswered_createdAt_text_idx" ON "Interaction"("createdAt") INCLUDE ("text", "id") WHERE "kind" = 'faq_unanswered';
