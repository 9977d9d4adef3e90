-- CreateTable
CREATE TABLE "EscalationExample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "text" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "escalate" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'api',
    "ticketId" INTEGER,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "EscalationExample_key_key" ON "EscalationExample"("key");

-- CreateIndex
CREATE INDEX "EscalationExample_updatedAt_idx" ON "EscalationExample"("updatedAt");
