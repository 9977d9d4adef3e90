-- CreateIndex
CREATE INDEX "Feedback_kind_createdAt_score_idx" ON "Feedback"("kind", "createdAt", "score");
