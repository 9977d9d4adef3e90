-- CreateTable
CREATE TABLE "LearnedQuestion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "entryId" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "normalized" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "customers" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "QuestionTap" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "entryId" TEXT NOT NULL,
    "normalized" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "LearnedQuestion_entryId_normalized_key" ON "LearnedQuestion"("entryId", "normalized");

-- CreateIndex
CREATE INDEX "QuestionTap_entryId_normalized_idx" ON "QuestionTap"("entryId", "normalized");

-- CreateIndex
CREATE UNIQUE INDEX "QuestionTap_entryId_normalized_customerId_key" ON "QuestionTap"("entryId", "normalized", "customerId");
