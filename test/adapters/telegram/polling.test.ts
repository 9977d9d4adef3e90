// Long polling, adapter side: offsets confirm what was handled, one chat's updates are handed over
// in order, an update the engine failed on is tried again, stop() ends polling at once while sends
// keep working, and a rejected token stops the start with the variable named.
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/index.js';
import type { InboundHandler } from '../../../src/engine/channel.js';
import type { InboundMessage } from '../../../src/engine/types.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../helpers/app.js';
import { eventually } from './emulator.js';
import { FakeBotApi, textUpdate } from './fake-bot-api.js';

describe('Telegram long polling', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function polling(handler: InboundHandler) {
    const api = new FakeBotApi();
    const apiRoot = await api.start();
    cleanup.push(() => api.stop());
    const adapter = new TelegramAdapter({
      token: '333:polling-token',
      apiRoot,
      logger: silentLogger,
      idlePollMs: 10,
      retryBaseMs: 5,
      updateAttempts: 3,
    });
    await adapter.start(handler);
    cleanup.push(() => adapter.stop());
    return { api, adapter };
  }

  const recorder = () => {
    const seen: InboundMessage[] = [];
    const handler: InboundHandler = {
      handleInbound: async (m) => {
        seen.push(m);
        // A slow first message must not let the chat's next one overtake it.
        if (m.text === 'first') await new Promise((resolve) => setTimeout(resolve, 30));
        return { duplicate: false, replies: [] };
      },
    };
    return { seen, handler };
  };

  it('removes a leftover webhook, polls with the next offset, and hands one chat’s updates over in order', async () => {
    const { seen, handler } = recorder();
    const { api } = await polling(handler);
    const batch = [
      textUpdate({ user: 11, text: 'first' }),
      textUpdate({ user: 12, text: 'other chat' }),
      textUpdate({ user: 11, text: 'second' }),
    ];
    api.pending.push(...batch);
    await eventually(
      () => seen.length,
      (n) => n === 3,
      5000,
      'three messages',
    );
    expect(seen.filter((m) => m.chatId === '11').map((m) => m.text)).toEqual(['first', 'second']);
    expect(api.of('deleteWebhook')).toEqual([{ drop_pending_updates: false }]);
    const last = batch[2]?.update_id as number;
    await eventually(
      () => api.of('getUpdates').map((c) => c.offset),
      (offsets) => offsets.includes(last + 1),
      5000,
      'the confirming offset',
    );
    expect(api.of('getUpdates')[0]).toMatchObject({
      offset: 0,
      timeout: 50,
      allowed_updates: ['message', 'callback_query', 'chat_member'],
    });
  });

  it('tries an update again when the engine failed on it, then goes on', async () => {
    const seen: string[] = [];
    let failures = 0;
    const { api } = await polling({
      handleInbound: async (m) => {
        if (m.text === 'flaky' && failures++ < 2) throw new Error('database unavailable');
        if (m.text === 'poison') throw new Error('always fails');
        seen.push(m.text as string);
        return { duplicate: false, replies: [] };
      },
    });
    api.pending.push(
      textUpdate({ user: 21, text: 'flaky' }),
      textUpdate({ user: 22, text: 'poison' }),
      textUpdate({ user: 23, text: 'after' }),
    );
    await eventually(
      () => seen,
      (s) => s.includes('flaky') && s.includes('after'),
      5000,
      'the retried and the next update',
    );
    expect(failures).toBe(3);
    api.pending.push(textUpdate({ user: 22, text: 'later' }));
    await eventually(
      () => seen,
      (s) => s.includes('later'),
      5000,
      'polling after a poison update',
    );
  });

  it('stop() ends polling at once; send() keeps working', async () => {
    const { seen, handler } = recorder();
    const { api, adapter } = await polling(handler);
    await eventually(
      () => api.of('getUpdates').length,
      (n) => n > 0,
      5000,
      'polling',
    );
    await adapter.stop();
    const calls = api.of('getUpdates').length;
    api.pending.push(textUpdate({ user: 31, text: 'after stop' }));
    await adapter.send({ chatId: '31', chatType: 'private', outboxId: 1 }, { text: 'still sending' });
    expect(api.sentTo(31).map((c) => c.body.text)).toEqual(['still sending']);
    expect(api.of('getUpdates').length).toBe(calls);
    expect(seen).toEqual([]);
  });

  it('a rejected token stops the start, naming TELEGRAM_BOT_TOKEN', async () => {
    const api = new FakeBotApi();
    const apiRoot = await api.start();
    cleanup.push(() => api.stop());
    api.fail('getMe', { status: 401, description: 'Unauthorized' });
    const adapter = new TelegramAdapter({ token: '333:revoked', apiRoot, logger: silentLogger });
    await expect(adapter.start(recorder().handler)).rejects.toThrow(ConfigError);
    api.fail('getMe', { status: 404, description: 'Not Found' });
    await expect(
      new TelegramAdapter({ token: '333:revoked', apiRoot, logger: silentLogger }).start(recorder().handler),
    ).rejects.toThrow(/TELEGRAM_BOT_TOKEN: Telegram rejected the token/);
  });
});
