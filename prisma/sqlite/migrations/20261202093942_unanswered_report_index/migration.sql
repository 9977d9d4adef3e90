-- The unanswered-questions report (hand-written: Prisma's schema cannot express a partial index).
-- It groups the faq_unanswered events of a window by text: this index holds exactly those rows, in
-- time order with their text, so the report reads the index alone and never the other interactions.
CREATE INDEX "Interaction_unanswered_createdAt_text_idx" ON "Interaction"("createdAt", "text") WHERE "kind" = 'faq_unanswered';
