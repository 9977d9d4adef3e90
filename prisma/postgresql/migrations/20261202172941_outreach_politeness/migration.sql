-- CreateTable
CREATE TABLE "HeldMessage" (
    "id" SERIAL NOT NULL,
    "customerId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "chatType" TEXT NOT NULL DEFAULT 'private',
    "conversationId" TEXT NOT NULL,
    "message" JSONB NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "releaseAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HeldMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MarketingSend" (
    "id" SERIAL NOT NULL,
    "customerId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "campaignId" TEXT,
    "outboxId" INTEGER,

    CONSTRAINT "MarketingSend_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "segmentId" TEXT,
    "rules" JSONB NOT NULL,
    "message" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "sendAt" TIMESTAMP(3) NOT NULL,
    "cursor" TEXT,
    "targeted" INTEGER NOT NULL DEFAULT 0,
    "queued" INTEGER NOT NULL DEFAULT 0,
    "deferredQuietHours" INTEGER NOT NULL DEFAULT 0,
    "skippedOptedOut" INTEGER NOT NULL DEFAULT 0,
    "skippedCapped" INTEGER NOT NULL DEFAULT 0,
    "skippedNoChat" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "cancelledAt" TIMESTAMP(3),

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HolidayOverride" (
    "key" TEXT NOT NULL,
    "date" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HolidayOverride_pkey" PRIMARY KEY ("key")
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

-- AddForeignKey
ALTER TABLE "HeldMessage" ADD CONSTRAINT "HeldMessage_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MarketingSend" ADD CONSTRAINT "MarketingSend_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
