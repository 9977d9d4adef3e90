// Admin API of moderation: the audit log and undo, the groups Rapport knows, and each group's own
// settings (a patch over RAPPORT_CONFIG moderation, validated with the same schema).
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { decodeCursor, pageOf } from '../../http/paging.js';
import { errorResponses, errorSchema } from '../../http/schemas.js';
import type { Db, Prisma } from '../../store/index.js';
import type { Moderation } from './moderation.js';
import { type ActionRow, actionView, eventPayload, record } from './records.js';
import { mergeSettings } from './settings.js';
import { OutboxSink } from './sink.js';

const security = [{ adminToken: [] }];
const tags = ['Moderation'];

const actionSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    channel: { type: 'string' },
    chatId: { type: 'string' },
    memberId: { type: 'string' },
    memberName: { type: ['string', 'null'] },
    customerId: { type: ['string', 'null'] },
    rule: {
      type: 'string',
      description: 'flood, duplicates, links, blocklist, newcomers, warnings, captcha, admin, report, staff',
    },
    action: { type: 'string', description: 'delete, warn, mute, kick, ban, unwarn, unmute, unban, report, dismiss' },
    reason: { type: ['string', 'null'] },
    text: { type: ['string', 'null'], description: 'The text of the message it was about' },
    messageId: { type: ['string', 'null'] },
    actor: { type: 'string', description: 'rule, admin:<user id>, member:<user id>, staff:<name>, api' },
    dryRun: { type: 'boolean' },
    until: { type: ['string', 'null'], format: 'date-time' },
    at: { type: 'string', format: 'date-time' },
    undone: { type: 'boolean' },
    undoneAt: { type: ['string', 'null'], format: 'date-time' },
    undoneBy: { type: ['string', 'null'] },
    error: { type: ['string', 'null'], description: 'Why the platform did not do it' },
  },
} as const;

const groupParams = {
  type: 'object',
  required: ['channel', 'chatId'],
  properties: { channel: { type: 'string', maxLength: 40 }, chatId: { type: 'string', maxLength: 200 } },
} as const;

const settingsResponse = {
  type: 'object',
  properties: {
    channel: { type: 'string' },
    chatId: { type: 'string' },
    settings: { type: 'object', additionalProperties: true, description: 'What applies in the group now' },
    overrides: {
      type: ['object', 'null'],
      additionalProperties: true,
      description: "The group's own patch over RAPPORT_CONFIG moderation",
    },
  },
} as const;

/** What can be undone, and how: a warning is removed, a mute or ban lifted. */
const UNDOABLE = new Set(['warn', 'mute', 'ban']);

export async function moderationRoutes(app: FastifyInstance, o: { mod: Moderation; reads: Db }): Promise<void> {
  const { mod } = o;
  const { db } = mod.deps;
  const reads = o.reads;

  app.get(
    '/api/v1/moderation/actions',
    {
      schema: {
        tags,
        summary: 'The moderation log, newest first: every decision by a rule, an admin, a report or staff',
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            chat: { type: 'string', maxLength: 250, description: 'A group: its chat id, or channel:chatId' },
            channel: { type: 'string', maxLength: 40 },
            member: { type: 'string', maxLength: 100, description: "A member's platform user id" },
            since: { type: 'string', format: 'date-time' },
            cursor: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { actions: { type: 'array', items: actionSchema }, cursor: { type: ['string', 'null'] } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        chat?: string;
        channel?: string;
        member?: string;
        since?: string;
        cursor?: string;
        limit: number;
      };
      const where: Prisma.ModerationActionWhereInput = {};
      if (q.chat !== undefined) {
        const colon = q.chat.indexOf(':');
        if (colon > 0 && !q.channel && /^[a-z][a-z0-9_-]*$/.test(q.chat.slice(0, colon))) {
          where.channel = q.chat.slice(0, colon);
          where.chatId = q.chat.slice(colon + 1);
        } else where.chatId = q.chat;
      }
      if (q.channel) where.channel = q.channel;
      if (q.member) where.memberId = q.member;
      if (q.since) where.at = { gte: new Date(q.since) };
      if (q.cursor !== undefined) where.id = { lt: decodeCursor(q.cursor, ['int'])[0] };
      const rows = await reads.moderationAction.findMany({ where, orderBy: { id: 'desc' }, take: q.limit + 1 });
      const page = pageOf(rows, q.limit, (r) => [r.id]);
      return { actions: page.items.map(actionView), cursor: page.nextCursor };
    },
  );

  app.post(
    '/api/v1/moderation/actions/:id/undo',
    {
      schema: {
        tags,
        summary: 'Undo a decision: a warning is removed, a mute or ban lifted',
        description:
          'A 409 when it was undone already, or cannot be undone (a deleted message cannot come back; a removed member may simply join again).',
        security,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: { 200: actionSchema, ...errorResponses, 409: errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const found = await db.moderationAction.findUnique({ where: { id } });
      if (!found) throw new AppError('HTTP_NOT_FOUND', `no moderation action ${id}`);
      if (found.undoneAt) throw new AppError('HTTP_CONFLICT', `moderation action ${id} was undone already`);
      if (!UNDOABLE.has(found.action)) {
        throw new AppError('HTTP_CONFLICT', `a ${found.action} cannot be undone (only warn, mute and ban)`);
      }
      const now = new Date(mod.deps.clock.now());
      const { count } = await db.moderationAction.updateMany({
        where: { id, undoneAt: null },
        data: { undoneAt: now, undoneBy: 'api' },
      });
      if (!count) throw new AppError('HTTP_CONFLICT', `moderation action ${id} was undone already`);
      if (found.action === 'warn') mod.forgetWarnings(found.channel, found.chatId);
      await liftIn(mod, found, now);
      const after = (await db.moderationAction.findUnique({ where: { id } })) as ActionRow;
      return actionView(after);
    },
  );

  app.get(
    '/api/v1/groups',
    {
      schema: {
        tags,
        summary: 'The group chats Rapport is in, with how many members it has seen and moderation decisions',
        security,
        response: {
          200: {
            type: 'object',
            properties: {
              groups: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    channel: { type: 'string' },
                    chatId: { type: 'string' },
                    title: { type: ['string', 'null'] },
                    members: { type: 'integer' },
                    actions: { type: 'integer' },
                    customSettings: { type: 'boolean' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const groups = await reads.conversation.findMany({
        where: { kind: 'group' },
        select: { channel: true, chatId: true, title: true },
        orderBy: { createdAt: 'desc' },
        take: 1000,
      });
      const [members, actions, custom] = await Promise.all([
        reads.groupMember.groupBy({ by: ['channel', 'chatId'], _count: { _all: true } }),
        reads.moderationAction.groupBy({ by: ['channel', 'chatId'], _count: { _all: true } }),
        reads.groupSettings.findMany({ select: { channel: true, chatId: true } }),
      ]);
      const key = (g: { channel: string; chatId: string }) => `${g.channel}\u0000${g.chatId}`;
      const memberCount = new Map(members.map((m) => [key(m), m._count._all]));
      const actionCount = new Map(actions.map((a) => [key(a), a._count._all]));
      const customized = new Set(custom.map(key));
      return {
        groups: groups.map((g) => ({
          ...g,
          members: memberCount.get(key(g)) ?? 0,
          actions: actionCount.get(key(g)) ?? 0,
          customSettings: customized.has(key(g)),
        })),
      };
    },
  );

  const view = async (channel: string, chatId: string) => {
    const rules = await mod.rules(channel, chatId);
    return { channel, chatId, settings: rules.settings, overrides: rules.overrides };
  };

  app.get(
    '/api/v1/groups/:channel/:chatId/moderation',
    {
      schema: {
        tags,
        summary: "A group's moderation settings: the business's, with the group's own patch over them",
        security,
        params: groupParams,
        response: { 200: settingsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { channel, chatId } = request.params as { channel: string; chatId: string };
      mod.forgetRules(channel, chatId);
      return view(channel, chatId);
    },
  );

  app.put(
    '/api/v1/groups/:channel/:chatId/moderation',
    {
      schema: {
        tags,
        summary: "Patch a group's moderation settings",
        description:
          'The body is merged over what the group has (objects merge, anything else replaces; null removes the group\'s own value) and checked with the settings schema: {"mode":"dryRun"}, {"links":{"allowDomains":["example.com"]}}, {"flood":false}. A mistake is a 400 naming the field.',
        security,
        params: groupParams,
        body: { type: 'object', additionalProperties: true, maxProperties: 30 },
        response: { 200: settingsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { channel, chatId } = request.params as { channel: string; chatId: string };
      const where = { channel_chatId: { channel, chatId } };
      const before = await db.groupSettings.findUnique({ where });
      const patch = withoutNulls(mergeSettings(before?.settings ?? {}, request.body));
      try {
        mod.compile(patch);
      } catch (err) {
        const issues = (err as z.ZodError).issues;
        if (!issues) throw err;
        const first = issues[0];
        throw new AppError(
          'HTTP_BAD_REQUEST',
          `body${first?.path.length ? `.${first.path.join('.')}` : ''}: ${first?.message ?? 'invalid settings'}`,
        );
      }
      const now = new Date(mod.deps.clock.now());
      const settings = patch as Prisma.InputJsonValue;
      await db.groupSettings.upsert({
        where,
        create: { channel, chatId, settings, updatedAt: now },
        update: { settings, updatedAt: now },
      });
      mod.forgetRules(channel, chatId);
      return view(channel, chatId);
    },
  );
}

/** Lifts an undone mute or ban on the platform (a warning needs nothing there), and logs the undo. */
export async function liftIn(mod: Moderation, found: ActionRow, now: Date): Promise<void> {
  const { db } = mod.deps;
  const row = await record(db, mod.deps.provider, {
    channel: found.channel,
    chatId: found.chatId,
    memberId: found.memberId,
    memberName: found.memberName,
    customerId: found.customerId,
    rule: 'admin',
    action: `un${found.action}`,
    reason: `undo of #${found.id}`,
    actor: 'api',
    dryRun: found.dryRun,
    at: now,
  });
  await db.interaction.create({
    data: {
      customerId: found.customerId,
      channel: found.channel,
      direction: 'event',
      kind: 'moderation',
      payload: eventPayload(row) as object,
      createdAt: now,
    },
  });
  if (found.dryRun || found.action === 'warn') return;
  const caps = mod.capabilities(found.channel);
  const sink = new OutboxSink(
    { channel: found.channel, chatId: found.chatId, customerId: found.customerId },
    mod.deps.provider,
  );
  if (found.action === 'mute' && caps.restrictMember)
    sink.call({ op: 'unrestrict', userId: found.memberId, actionId: row.id });
  if (found.action === 'ban' && caps.banMember) sink.call({ op: 'unban', userId: found.memberId, actionId: row.id });
  await sink.queue(db, now);
  if (sink.size) mod.deps.notify();
}

/** null in a patch removes the group's own value (the business's applies again). */
function withoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}
