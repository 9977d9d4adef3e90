// Conversations (chats). Their rows never change once created, so ids are cached per process.
import type { ChatType } from '../engine/types.js';
import { type Db, isUniqueViolation } from './index.js';

export class ConversationDirectory {
  private readonly ids = new Map<string, string>();
  private static readonly maxCached = 50_000;

  constructor(private readonly db: Db) {}

  async idFor(channel: string, chatId: string, kind: ChatType): Promise<string> {
    const key = `${channel}:${chatId}`;
    const cached = this.ids.get(key);
    if (cached) return cached;
    const where = { channel_chatId: { channel, chatId } };
    const row = await this.db.conversation
      .upsert({ where, create: { channel, chatId, kind }, update: {}, select: { id: true } })
      .catch(async (err: unknown) => {
        // Another instance created it between Prisma's read and write.
        if (!isUniqueViolation(err)) throw err;
        return this.db.conversation.findUniqueOrThrow({ where, select: { id: true } });
      });
    if (this.ids.size >= ConversationDirectory.maxCached) this.ids.clear();
    this.ids.set(key, row.id);
    return row.id;
  }
}
