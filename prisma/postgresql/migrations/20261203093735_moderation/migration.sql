-- AlterTable
ALTER TABLE "Outbox" ADD COLUMN     "platformMessageId" TEXT;

-- CreateTable
CREATE TABLE "GroupMember" (
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "customerId" TEXT,
    "name" TEXT,
    "joinedAt" TIMESTAMP(3),
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "captcha" TEXT,
    "captchaUntil" TIMESTAMP(3),
    "captchaKey" TEXT,

    CONSTRAINT "GroupMember_pkey" PRIMARY KEY ("channel","chatId","memberId")
);

-- CreateTable
CREATE TABLE "GroupSettings" (
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "settings" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GroupSettings_pkey" PRIMARY KEY ("channel","chatId")
);

-- CreateTable
CREATE TABLE "ModerationAction" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "memberName" TEXT,
    "customerId" TEXT,
    "rule" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT,
    "text" TEXT,
    "messageId" TEXT,
    "actor" TEXT NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "until" TIMESTAMP(3),
    "at" TIMESTAMP(3) NOT NULL,
    "undoneAt" TIMESTAMP(3),
    "undoneBy" TEXT,
    "error" TEXT,
    "key" TEXT,

    CONSTRAINT "ModerationAction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GroupMember_captcha_captchaUntil_idx" ON "GroupMember"("captcha", "captchaUntil");

-- CreateIndex
CREATE INDEX "GroupMember_channel_chatId_joinedAt_idx" ON "GroupMember"("channel", "chatId", "joinedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ModerationAction_key_key" ON "ModerationAction"("key");

-- CreateIndex
CREATE INDEX "ModerationAction_channel_chatId_id_idx" ON "ModerationAction"("channel", "chatId", "id");

-- CreateIndex
CREATE INDEX "ModerationAction_channel_chatId_memberId_action_at_idx" ON "ModerationAction"("channel", "chatId", "memberId", "action", "at");

-- CreateIndex
CREATE INDEX "ModerationAction_actor_action_at_idx" ON "ModerationAction"("actor", "action", "at");
