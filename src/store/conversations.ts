// Conversations (chats). Their rows never change once created, so ids are cached per process.
import { randomUUID } from 'node:crypto';
import type { ChatType } from '../engine/types.js';
import { insertMany } from './bulk.js';
import type { Db } from './index.js';
import type { DatabaseProvider } from './schema-engine.js';

export interface ChatKey {
  channel: string;
  chatId: string;
  kind: ChatType;
}

const keyOf = (channel: string, chatId: string) => `${channel}\u0000${chatId}`;

export class ConversationDirectory {
  private readonly ids = new Map<string, string>();
  private static readonly maxCached = 50_000;

  constructor(
    private readonly db: Db,
    private readonly provider: DatabaseProvider,
  ) {}

  /** The conversation id of each chat, creating the conversations that do not exist yet. */
  async idsFor(chats: ChatKey[]): Promise<string[]> {
    const missing = chats.filter((c) => !this.ids.has(keyOf(c.channel, c.chatId)));
    if (missing.length) {
      const where = {
        channel: { in: [...new Set(missing.map((c) => c.channel))] },
        chatId: { in: [...new Set(missing.map((c) => c.chatId))] },
      };
      let rows = await this.db.conversation.findMany({ where, select: { id: true, channel: true, chatId: true } });
      const found = new Set(rows.map((r) => keyOf(r.channel, r.chatId)));
      const toCreate = new Map(
        missing.filter((c) => !found.has(keyOf(c.channel, c.chatId))).map((c) => [keyOf(c.channel, c.chatId), c]),
      );
      if (toCreate.size) {
        const now = new Date();
        await insertMany(
          this.db,
          this.provider,
          'Conversation',
          [...toCreate.values()].map((c) => ({
            id: randomUUID(),
            channel: c.channel,
            chatId: c.chatId,
            kind: c.kind,
            createdAt: now,
          })),
          { skipConflictsOn: ['channel', 'chatId'] },
        );
        rows = await this.db.conversation.findMany({ where, select: { id: true, channel: true, chatId: true } });
      }
      if (this.ids.size + rows.length > ConversationDirectory.maxCached) this.ids.clear();
      for (const r of rows) this.ids.set(keyOf(r.channel, r.chatId), r.id);
    }
    return chats.map((c) => {
      const id = this.ids.get(keyOf(c.channel, c.chatId));
      if (!id) throw new Error(`conversation ${c.channel}:${c.chatId} was not created`);
      return id;
    });
  }
}
