import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { builtinCommands, fallback } from '../../src/engine/commands.js';
import type { Middleware } from '../../src/engine/composer.js';
import type { TurnContext } from '../../src/engine/context.js';
import { Engine } from '../../src/engine/engine.js';
import { buildTexts } from '../../src/engine/i18n.js';
import type { InboundMessage } from '../../src/engine/types.js';
import { silentLogger, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

let seq = 0;
function msg(user: string, text: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: 'api',
    chatId: user,
    chatType: 'private',
    sender: { id: user },
    text,
    mentioned: true,
    platformMessageId: `p-${++seq}`,
    ...extra,
  };
}

describeOnEachDatabase('engine', (database) => {
  let app: App;

  beforeAll(async () => {
    app = await testApp(database().url);
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** An engine with the given pipeline on the app's database. */
  const engineWith = (...middleware: Middleware<TurnContext>[]) =>
    new Engine({
      db: app.store.db,
      provider: app.store.provider,
      texts: buildTexts(),
      businessName: { 'zh-CN': '店', en: 'shop' },
      defaultLocale: 'en',
      middleware,
      logger: silentLogger,
    });

  const customerOf = (externalId: string) =>
    app.store.db.customer.findFirstOrThrow({ where: { identities: { some: { channel: 'api', externalId } } } });

  it('stores the inbound message before any middleware runs, and replies after', async () => {
    const seenByMiddleware: number[] = [];
    const probe: Middleware<TurnContext> = async (ctx, next) => {
      const stored = await app.store.db.interaction.count({
        where: { customerId: ctx.customer.id, direction: 'in', text: ctx.message.text ?? null },
      });
      const outbound = await app.store.db.outbox.count({ where: { customerId: ctx.customer.id } });
      seenByMiddleware.push(stored, outbound);
      ctx.reply('probe reply');
      await next();
    };
    const engine = engineWith(probe);
    const result = await engine.handleInbound(msg('order-check', 'is my message stored?'));
    expect(seenByMiddleware).toEqual([1, 0]);
    expect(result.replies.map((r) => r.text)).toEqual(['probe reply']);
    const customer = await customerOf('order-check');
    expect(await app.store.db.outbox.count({ where: { customerId: customer.id } })).toBe(1);
  });

  it('handles the same platform message id once', async () => {
    const first = await app.engine.handleInbound(msg('dup', '/help', { platformMessageId: 'dup-1' }));
    const again = await app.engine.handleInbound(msg('dup', '/help', { platformMessageId: 'dup-1' }));
    const concurrent = await Promise.all([
      app.engine.handleInbound(msg('dup', '/help', { platformMessageId: 'dup-2' })),
      app.engine.handleInbound(msg('dup', '/help', { platformMessageId: 'dup-2' })),
    ]);
    expect(first.duplicate).toBe(false);
    expect(first.replies).toHaveLength(1);
    expect(again).toEqual({ duplicate: true, replies: [] });
    expect(concurrent.filter((r) => r.duplicate)).toHaveLength(1);
    const customer = await customerOf('dup');
    expect(await app.store.db.interaction.count({ where: { customerId: customer.id, direction: 'in' } })).toBe(2);
    expect(await app.store.db.outbox.count({ where: { customerId: customer.id } })).toBe(2);
  });

  it('greets a new customer on /start with the prospect stage, in the default locale', async () => {
    const result = await app.engine.handleInbound(msg('newbie', '/start'));
    expect(result.replies[0]?.text).toMatch(/欢迎/);
    const customer = await customerOf('newbie');
    expect(customer.stage).toBe('prospect');
    expect(customer.optedOut).toBe(false);
  });

  it('answers in the language of the text when the customer chose none', async () => {
    const en = await app.engine.handleInbound(msg('lang-detect-en', 'hello, anyone there?'));
    expect(en.replies[0]?.text).toMatch(/Welcome/);
    const zh = await app.engine.handleInbound(msg('lang-detect-zh', '你好'));
    expect(zh.replies[0]?.text).toMatch(/欢迎/);
    // The app's language is a hint for text that tells nothing; the text itself wins.
    const hint = { sender: { id: 'lang-app', locale: 'en-US' } };
    const hinted = await app.engine.handleInbound(msg('lang-app', '12345', hint));
    expect(hinted.replies[0]?.text).toMatch(/Welcome/);
    const written = await app.engine.handleInbound(msg('lang-app', '你好吗', hint));
    expect(written.replies[0]?.text).toMatch(/\p{Script=Han}/u);
    expect((await customerOf('lang-app')).locale).toBeNull();
  });

  it('/lang switches the language for later messages, whatever they are written in', async () => {
    const set = await app.engine.handleInbound(msg('switcher', '/lang en'));
    expect(set.replies[0]?.text).toMatch(/English/);
    const help = await app.engine.handleInbound(msg('switcher', '/help'));
    expect(help.replies[0]?.text).toMatch(/I can help/);
    const zhText = await app.engine.handleInbound(msg('switcher', '这是什么'));
    expect(zhText.replies[0]?.text).not.toMatch(/\p{Script=Han}/u);
    const usage = await app.engine.handleInbound(msg('switcher', '/lang klingon'));
    expect(usage.replies[0]?.text).toMatch(/Usage/);
    const back = await app.engine.handleInbound(msg('switcher', '/lang zh'));
    expect(back.replies[0]?.text).toMatch(/中文/);
    expect((await customerOf('switcher')).locale).toBe('zh-CN');
  });

  it('/stop opts out of proactive messages and /start opts back in, both logged', async () => {
    await app.engine.handleInbound(msg('leaver', '/start'));
    const stop = await app.engine.handleInbound(msg('leaver', '/stop'));
    expect(stop.replies[0]?.text).toMatch(/关闭/);
    expect((await customerOf('leaver')).optedOut).toBe(true);
    const start = await app.engine.handleInbound(msg('leaver', '/start'));
    expect(start.replies[0]?.text).toMatch(/欢迎回来/);
    const customer = await customerOf('leaver');
    expect(customer.optedOut).toBe(false);
    const events = await app.store.db.interaction.findMany({
      where: { customerId: customer.id, direction: 'event' },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => e.kind)).toEqual(['opt_out', 'opt_in']);
  });

  it('logs every inbound and outbound message of a turn as interactions', async () => {
    await app.engine.handleInbound(msg('logged', '/help'));
    const customer = await customerOf('logged');
    const rows = await app.store.db.interaction.findMany({
      where: { customerId: customer.id },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.direction, r.kind])).toEqual([
      ['in', 'command'],
      ['out', 'message'],
    ]);
  });

  it('answers unknown commands and unreadable messages politely', async () => {
    await app.engine.handleInbound(msg('odd', '/start'));
    const unknown = await app.engine.handleInbound(msg('odd', '/frobnicate'));
    expect(unknown.replies[0]?.text).toContain('/frobnicate');
    const sticker = await app.engine.handleInbound(msg('odd', '', { text: undefined, unsupported: true }));
    expect(sticker.replies[0]?.text).toMatch(/文字/);
  });

  it('stays quiet in a group unless addressed, and answers commands there', async () => {
    const group = (text: string, mentioned: boolean) =>
      msg('member-1', text, { chatId: 'group-1', chatType: 'group', mentioned });
    const chatter = await app.engine.handleInbound(group('lunch anyone?', false));
    expect(chatter.replies).toEqual([]);
    const asked = await app.engine.handleInbound(group('@bot what can you do', true));
    expect(asked.replies.length).toBeGreaterThan(0);
    const command = await app.engine.handleInbound(group('/help@RapportBot', false));
    expect(command.replies[0]?.text).toMatch(/help|帮/);
    const conversation = await app.store.db.conversation.findUniqueOrThrow({
      where: { channel_chatId: { channel: 'api', chatId: 'group-1' } },
    });
    expect(conversation.kind).toBe('group');
  });

  it('keeps the inbound message and replies with a fallback when a feature throws', async () => {
    const broken: Middleware<TurnContext> = () => {
      throw new Error('feature bug: secret details');
    };
    const engine = engineWith(builtinCommands, broken, fallback);
    const result = await engine.handleInbound(msg('victim', 'please help'));
    expect(result.replies).toHaveLength(1);
    expect(result.replies[0]?.text).not.toMatch(/secret|Error/);
    const customer = await customerOf('victim');
    const rows = await app.store.db.interaction.findMany({
      where: { customerId: customer.id },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => `${r.direction}:${r.kind}`)).toEqual(['in:message', 'out:message', 'event:engine_error']);
  });

  it('handles one chat in arrival order', async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `/lang ${i % 2 ? 'en' : 'zh'}`);
    await Promise.all(texts.map((t) => app.engine.handleInbound(msg('orderly', t))));
    const customer = await customerOf('orderly');
    const inbound = await app.store.db.interaction.findMany({
      where: { customerId: customer.id, direction: 'in' },
      orderBy: { id: 'asc' },
    });
    expect(inbound.map((r) => r.text)).toEqual(texts);
    expect(customer.locale).toBe('en');
  });
});
