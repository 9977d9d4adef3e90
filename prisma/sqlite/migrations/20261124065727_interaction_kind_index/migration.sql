-- CreateIndex
CREATE INDEX "Interaction_kind_createdAt_idx" ON "Interaction"("kind", "createdAt");
