// The API channel against the adapter contract, through its real HTTP routes.
import Fastify from 'fastify';
import { apiRoutes, createApiAdapter } from '../../../adapters/api/index.js';
import type { InboundMessage, QueuedMessage } from '../../../src/engine/types.js';
import { adapterContract } from '../contract.js';

adapterContract('api', async () => {
  const adapter = createApiAdapter({});
  const received: InboundMessage[] = [];
  const queued = new Map<string, QueuedMessage[]>();
  const server = Fastify();
  await server.register(apiRoutes, {
    handler: {
      handleInbound: async (m) => {
        received.push(m);
        return { duplicate: false, replies: [] };
      },
    },
    history: async (userId, after, limit) => (queued.get(userId) ?? []).filter((m) => m.id > after).slice(0, limit),
    sessionSecret: 'contract-session-secret-0123',
  });
  let nextId = 1;
  const lastShown = new Map<string, QueuedMessage>();

  const post = async (payload: object) => {
    const before = received.length;
    const res = await server.inject({ method: 'POST', url: '/api/v1/messages', payload });
    if (res.statusCode !== 200) throw new Error(`POST /api/v1/messages: ${res.statusCode} ${res.body}`);
    return received.slice(before);
  };

  return {
    adapter,
    deliver: async (event) => {
      switch (event.kind) {
        case 'text':
          return post({ user: { id: event.user, name: 'Ann' }, text: event.text, messageId: event.id });
        case 'command':
          return post({ user: { id: event.user }, text: `/${event.command}${event.args ? ` ${event.args}` : ''}` });
        case 'button': {
          // The web chat posts the payload of the button the customer pressed.
          const button = lastShown.get(event.user)?.buttons?.find((b) => b.label === event.label);
          return post({ user: { id: event.user }, payload: button?.payload ?? 'missing' });
        }
        case 'group':
          throw new Error('the API channel has no groups');
      }
    },
    show: async (user, message) => {
      const row: QueuedMessage = { ...message, id: nextId++, createdAt: new Date() };
      queued.set(user, [...(queued.get(user) ?? []), row]);
      lastShown.set(user, row);
      await adapter.send({ chatId: user, chatType: 'private', outboxId: row.id }, message);
      const res = await server.inject({ method: 'GET', url: `/api/v1/messages?userId=${user}` });
      const seen = (res.json().messages as { text: string; buttons?: { label: string }[] }[]).at(-1);
      return { text: seen?.text ?? '', choices: (seen?.buttons ?? []).map((b) => b.label) };
    },
    close: async () => {
      await adapter.stop();
      await server.close();
    },
  };
});
