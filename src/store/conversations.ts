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

interface ConversationRow {
  id: string;
  channel: string;
  chatId: string;
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
    const missing = [
      ...new Map(
        chats.filter((c) => !this.ids.has(keyOf(c.channel, c.chatId))).map((c) => [keyOf(c.channel, c.chatId), c]),
      ).values(),
    ];
    if (missing.length) {
      const rows =
        this.provider === 'postgresql' ? await this.findOrCreatePostgres(missing) : await this.findOrCreate(missing);
      if (this.ids.size + rows.length > ConversationDirectory.maxCached) this.ids.clear();
      for (const r of rows) this.ids.set(keyOf(r.channel, r.chatId), r.id);
    }
    return chats.map((c) => {
      const id = this.ids.get(keyOf(c.channel, c.chatId));
      if (!id) throw new Error(`conversation ${c.channel}:${c.chatId} was not created`);
      return id;
    });
  }

  /** Reads the chats' conversations, creates those not found, and reads again. */
  private async findOrCreate(chats: ChatKey[]): Promise<ConversationRow[]> {
    const where = {
      channel: { in: [...new Set(chats.map((c) => c.channel))] },
      chatId: { in: [...new Set(chats.map((c) => c.chatId))] },
    };
    const select = { id: true, channel: true, chatId: true };
    const rows = await this.db.conversation.findMany({ where, select });
    const found = new Set(rows.map((r) => keyOf(r.channel, r.chatId)));
    const toCreate = chats.filter((c) => !found.has(keyOf(c.channel, c.chatId)));
    if (!toCreate.length) return rows;
    const now = new Date();
    await insertMany(
      this.db,
      this.provider,
      'Conversation',
      toCreate.map((c) => ({ id: randomUUID(), channel: c.channel, chatId: c.chatId, kind: c.kind, createdAt: now })),
      { skipConflictsOn: ['channel', 'chatId'] },
    );
    return this.db.conversation.findMany({ where, select });
  }

  /**
   * The same in one statement: the conversations that existed when it started, and those it
   * created. One another instance created meanwhile is in neither, and is read afterwards.
   */
  private async findOrCreatePostgres(chats: ChatKey[]): Promise<ConversationRow[]> {
    const now = new Date();
    const rows = await this.db.$queryRaw<ConversationRow[]>`
      WITH chats AS (
        SELECT * FROM unnest(
          ${chats.map(() => randomUUID())}::text[],
          ${chats.map((c) => c.channel)}::text[],
          ${chats.map((c) => c.chatId)}::text[],
          ${chats.map((c) => c.kind)}::text[]
        ) AS c(id, channel, "chatId", kind)
      ), created AS (
        INSERT INTO "Conversation" (id, channel, "chatId", kind, "createdAt")
        SELECT id, channel, "chatId", kind, ${now} FROM chats
        ON CONFLICT (channel, "chatId") DO NOTHING
        RETURNING id, channel, "chatId"
      )
      SELECT id, channel, "chatId" FROM created
      UNION ALL
      SELECT v.id, v.channel, v."chatId" FROM "Conversation" v JOIN chats c USING (channel, "chatId")`;
    const found = new Set(rows.map((r) => keyOf(r.channel, r.chatId)));
    const raced = chats.filter((c) => !found.has(keyOf(c.channel, c.chatId)));
    if (!raced.length) return rows;
    const late = await this.db.conversation.findMany({
      where: { OR: raced.map((c) => ({ channel: c.channel, chatId: c.chatId })) },
      select: { id: true, channel: true, chatId: true },
    });
    return [...rows, ...late];
  }
}
