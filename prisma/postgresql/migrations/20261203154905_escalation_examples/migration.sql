-- CreateTable
CREATE TABLE "EscalationExample" (
    "id" SERIAL NOT NULL,
    "text" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "escalate" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'api',
    "ticketId" INTEGER,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EscalationExample_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EscalationExample_key_key" ON "EscalationExample"("key");

-- CreateIndex
CREATE INDEX "EscalationExample_updatedAt_idx" ON "EscalationExample"("updatedAt");
