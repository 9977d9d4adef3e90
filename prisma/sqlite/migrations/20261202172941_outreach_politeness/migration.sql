-- CreateTable
CREATE TABLE "HeldMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "chatType" TEXT NOT NULL DEFAULT 'private',
    "conversationId" TEXT NOT NULL,
    "message" JSONB NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "releaseAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "HeldMessage_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "MarketingSend" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "campaignId" TEXT,
    "outboxId" INTEGER,
    CONSTRAINT "MarketingSend_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "segmentId" TEXT,
    "rules" JSONB NOT NULL,
    "message" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "sendAt" DATETIME NOT NULL,
    "cursor" TEXT,
    "targeted" INTEGER NOT NULL DEFAULT 0,
    "queued" INTEGER NOT NULL DEFAULT 0,
    "deferredQuietHours" INTEGER NOT NULL DEFAULT 0,
    "skippedOptedOut" INTEGER NOT NULL DEFAULT 0,
    "skippedCapped" INTEGER NOT NULL DEFAULT 0,
    "skippedNoChat" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "cancelledAt" DATETIME
);

-- CreateTable
CREATE TABLE "HolidayOverride" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "date" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "HeldMessage_dedupeKey_key" ON "HeldMessage"("dedupeKey");

-- CreateIndex
CREATE INDEX "HeldMessage_releaseAt_idx" ON "HeldMessage"("releaseAt");

-- CreateIndex
CREATE INDEX "HeldMessage_customerId_idx" ON "HeldMessage"("customerId");

-- CreateIndex
CREATE UNIQUE INDEX "MarketingSend_dedupeKey_key" ON "MarketingSend"("dedupeKey");

-- CreateIndex
CREATE INDEX "MarketingSend_customerId_at_idx" ON "MarketingSend"("customerId", "at");

-- CreateIndex
CREATE INDEX "MarketingSend_campaignId_idx" ON "MarketingSend"("campaignId");

-- CreateIndex
CREATE INDEX "Campaign_status_sendAt_idx" ON "Campaign"("status", "sendAt");
