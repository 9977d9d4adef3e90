-- Open messages by chat (hand-written: Prisma's schema cannot express a partial index). A turn
-- commit claims a reply for its own instance only when no message of the chat is open before it
-- (src/store/interactions.ts): this index holds exactly the open rows, so that check is one probe
-- however long the chat's history, and sent rows cost it nothing.
CREATE INDEX "Outbox_open_chat_idx" ON "Outbox"("channel", "chatId") WHERE "status" IN ('pending', 'sending');
