// Group moderation end to end on Telegram: updates through the real telegraf code path (the
// adapter's webhook handling), the engine and the moderation rules, then the outbox's calls to a
// loopback Bot API that records them (telegram-test-api has no restrictChatMember, banChatMember,
// getChatAdministrators). Staff reports reach a loopback Slack Web API; its buttons act.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/index.js';
import type { App } from '../../../src/app.js';
import { moderationFeature } from '../../../src/features/moderation/index.js';
import { FakeBotApi } from '../../adapters/telegram/fake-bot-api.js';
import { FakeClock } from '../../fakes/clock.js';
import { buttonPress, FakeSlack, slackSignature } from '../../fakes/slack.js';
import { admin, featureApi, runJob, silentLogger, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const START = Date.parse('2026-07-01T02:00:00Z');
const ADMIN = 9001;
const SLACK_CHANNEL = 'CSTAFF';
const SLACK_SECRET = 'slack-moderation-secret';

const yaml = `
loyalty:
  rules:
    welcome: 0
moderation:
  locale: en
  blocklist:
    - { pattern: "加微信", action: delete }
    - { pattern: "/代购|刷单/", action: warn }
    - { pattern: "casino", action: warn }
  links: { action: delete, allowDomains: [example.com] }
`;

let updateId = 1;
let messageId = 1000;

interface Sent {
  user: number;
  text?: string;
  name?: string;
  username?: string;
  entities?: unknown[];
  replyTo?: { user: number; messageId: number; text?: string; name?: string };
  photo?: boolean;
}

describeOnEachDatabase('group moderation on Telegram', (database) => {
  const clock = new FakeClock(START);
  const api = new FakeBotApi(() => clock.now());
  const slack = new FakeSlack();
  let app: App;
  let adapter: TelegramAdapter;
  let group = -100_500;

  beforeAll(async () => {
    const apiRoot = await api.start();
    const slackUrl = await slack.start();
    adapter = new TelegramAdapter({
      token: '555:moderation-token',
      apiRoot,
      webhook: { url: 'https://bot.example.com/telegram/webhook', secret: 'moderation-secret' },
      logger: silentLogger,
      now: () => clock.now(),
    });
    app = await testApp(database().url, {
      adapters: [adapter],
      clock,
      yaml,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_ESCALATION_CHANNEL: SLACK_CHANNEL,
        SLACK_API_URL: slackUrl,
        SLACK_SIGNING_SECRET: SLACK_SECRET,
      },
    });
    await adapter.start(app.engine);
  });
  beforeEach(() => {
    // Each test its own group, so the rules' memory of one does not reach the next.
    group -= 1;
    api.calls.length = 0;
    slack.calls.length = 0;
    api.results.set('getChatAdministrators', [
      { status: 'creator', user: { id: ADMIN, is_bot: false, first_name: 'Boss' } },
    ]);
  });
  afterAll(async () => {
    await adapter?.stop();
    await app?.stop();
    await api.stop();
    await slack.stop();
  });

  async function say(o: Sent): Promise<number> {
    const id = messageId++;
    const update = {
      update_id: updateId++,
      message: {
        message_id: id,
        date: Math.floor(clock.now() / 1000),
        chat: { id: group, type: 'supergroup', title: 'Bakery fans' },
        from: {
          id: o.user,
          is_bot: false,
          first_name: o.name ?? `Member${o.user}`,
          ...(o.username ? { username: o.username } : {}),
          language_code: 'en',
        },
        ...(o.photo ? { photo: [{ file_id: 'p', width: 1, height: 1 }], caption: o.text } : { text: o.text }),
        ...(o.entities ? { entities: o.entities } : {}),
        ...(o.replyTo
          ? {
              reply_to_message: {
                message_id: o.replyTo.messageId,
                date: Math.floor(clock.now() / 1000) - 60,
                chat: { id: group, type: 'supergroup' },
                from: { id: o.replyTo.user, is_bot: false, first_name: o.replyTo.name ?? `Member${o.replyTo.user}` },
                text: o.replyTo.text ?? 'something',
              },
            }
          : {}),
      },
    };
    expect(await adapter.handleWebhookUpdate(update)).toBe('handled');
    return id;
  }

  async function join(user: number, name = `New${user}`): Promise<void> {
    const update = {
      update_id: updateId++,
      message: {
        message_id: messageId++,
        date: Math.floor(clock.now() / 1000),
        chat: { id: group, type: 'supergroup', title: 'Bakery fans' },
        from: { id: user, is_bot: false, first_name: name },
        new_chat_members: [{ id: user, is_bot: false, first_name: name }],
      },
    };
    expect(await adapter.handleWebhookUpdate(update)).toBe('handled');
  }

  async function press(user: number, data: string, onMessage: number): Promise<void> {
    const update = {
      update_id: updateId++,
      callback_query: {
        id: `cq-${updateId}`,
        chat_instance: 'ci',
        from: { id: user, is_bot: false, first_name: `Member${user}` },
        message: {
          message_id: onMessage,
          date: Math.floor(clock.now() / 1000),
          chat: { id: group, type: 'supergroup' },
        },
        data,
      },
    };
    expect(await adapter.handleWebhookUpdate(update)).toBe('handled');
  }

  /** Sends what the turns queued; returns the Bot API calls it made, by method. */
  async function deliver() {
    await app.dispatcher.drain();
    return {
      deleted: api.of('deleteMessage').map((b) => Number(b.message_id)),
      restricted: api.of('restrictChatMember'),
      banned: api.of('banChatMember'),
      unbanned: api.of('unbanChatMember'),
      said: api
        .of('sendMessage')
        .filter((b) => Number(b.chat_id) === group)
        .map((b) => String(b.text)),
      replies: api.of('sendMessage').filter((b) => Number(b.chat_id) === group),
    };
  }

  async function actions(query = '') {
    const res = await app.server.inject({
      method: 'GET',
      url: `/api/v1/moderation/actions?chat=telegram:${group}${query}`,
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    return res.json().actions as Record<string, unknown>[];
  }

  it('flood: the fifth message within ten seconds mutes the member for ten minutes', async () => {
    for (let i = 0; i < 4; i++) {
      await say({ user: 11, text: `hello ${i}` });
      clock.advance(1000);
    }
    expect((await deliver()).restricted).toEqual([]);
    const fifth = clock.now();
    await say({ user: 11, text: 'hello 4' });
    const out = await deliver();
    expect(out.restricted).toHaveLength(1);
    const call = out.restricted[0] as { user_id: number; until_date: number; permissions: Record<string, boolean> };
    expect(call.user_id).toBe(11);
    expect(call.permissions.can_send_messages).toBe(false);
    // Ten minutes from the fifth message, in Unix seconds.
    expect(call.until_date).toBe(Math.ceil((fifth + 10 * 60_000) / 1000));
    expect(out.said.at(-1)).toMatch(/^🔇 Member11 is muted for 10 min: too many messages too fast$/);
    expect((await actions())[0]).toMatchObject({ rule: 'flood', action: 'mute', memberId: '11', actor: 'rule' });
  });

  it('blocklist and links: deleted, in full-width and with spaces too; an allowed domain and text stay', async () => {
    const ids = [
      await say({ user: 21, text: '想要优惠请加微信 abc123' }),
      await say({ user: 22, text: '加 微 信：ｘｘｘ' }),
      await say({ user: 23, text: 'cheap stuff at shop.example.net now' }),
      await say({ user: 24, text: 'join us: t。me/+AbCdEf' }),
      await say({
        user: 25,
        text: 'see here',
        entities: [{ type: 'text_link', offset: 0, length: 3, url: 'https://evil.xyz/x' }],
      }),
    ];
    const kept = [
      await say({ user: 26, text: 'our menu is on https://www.example.com/menu' }),
      await say({ user: 27, text: 'which class do you recommend?' }),
    ];
    const out = await deliver();
    expect(out.deleted.sort()).toEqual(ids.sort());
    for (const id of kept) expect(out.deleted).not.toContain(id);
    const rules = (await actions()).map((a) => a.rule);
    expect(rules.filter((r) => r === 'blocklist')).toHaveLength(2);
    expect(rules.filter((r) => r === 'links')).toHaveLength(3);
    // A message the rules acted on is not answered.
    expect(out.said.filter((t) => !t.startsWith('⚠️'))).toEqual([]);
  });

  it('duplicates: the same text from three members removes every copy and warns the third', async () => {
    const text = 'Great deal!!! Cheap followers for your page';
    const ids = [
      await say({ user: 31, text }),
      await say({ user: 32, text: text.toUpperCase() }),
      await say({ user: 33, text: `${text} ` }),
    ];
    const out = await deliver();
    expect(out.deleted.sort()).toEqual(ids.sort());
    expect(out.said).toEqual(['⚠️ Member33 1/3: the same message again and again']);
  });

  it('duplicates: a greeting members of long standing send alike stays; one member saying it three times does not', async () => {
    for (const user of [34, 35, 36, 37]) await say({ user, text: `hello, I am ${user}` });
    clock.advance(25 * 3_600_000);
    const greeting = '新年快乐，恭喜发财，万事如意！';
    for (const user of [34, 35, 36, 37]) await say({ user, text: greeting });
    expect((await deliver()).deleted).toEqual([]);
    // The same from accounts new to the group is a spam wave.
    const wave = [];
    for (const user of [134, 135, 136]) wave.push(await say({ user, text: greeting }));
    expect((await deliver()).deleted.sort()).toEqual(wave.sort());
    api.calls.length = 0;
    const again = [];
    for (let i = 0; i < 3; i++) {
      again.push(await say({ user: 38, text: 'Is anyone selling the sourdough starter?' }));
      clock.advance(20_000);
    }
    const out = await deliver();
    expect(out.deleted.sort()).toEqual(again.sort());
  });

  it('warn ladder: the third warning bans the member (until lifted)', async () => {
    for (const n of [1, 2, 3]) {
      await say({ user: 41, username: 'lucky_spinner', text: `best casino online, round ${n}` });
      clock.advance(60_000);
    }
    const out = await deliver();
    expect(out.said.slice(0, 3)).toEqual([
      '⚠️ @lucky_spinner 1/3: that is not allowed here',
      '⚠️ @lucky_spinner 2/3: that is not allowed here',
      '⚠️ @lucky_spinner 3/3: that is not allowed here',
    ]);
    expect(out.said[3]).toBe('⛔ @lucky_spinner was banned: 3 warnings');
    expect(out.banned).toEqual([{ chat_id: group, user_id: 41, revoke_messages: false }]);
    const log = await actions('&member=41');
    expect(log.map((a) => `${a.rule}:${a.action}`)).toEqual([
      'warnings:ban',
      'blocklist:warn',
      'blocklist:warn',
      'blocklist:warn',
    ]);
  });

  it('admins are exempt from the rules', async () => {
    await say({ user: ADMIN, text: 'official casino night at https://other.org, 加微信 for tickets' });
    const out = await deliver();
    expect(out.deleted).toEqual([]);
    expect(api.of('getChatAdministrators')).toEqual([{ chat_id: group }]);
  });

  it('exempt.minTierForLinks: members of that tier or above may post links', async () => {
    await app.server.inject({
      method: 'PUT',
      url: `/api/v1/groups/telegram/${group}/moderation`,
      headers: admin,
      payload: { exempt: { minTierForLinks: 'silver' } },
    });
    const before = await say({ user: 131, text: 'my shop: https://my-bakery.shop' });
    const customer = (await app.server.inject({ url: '/api/v1/customers?externalId=131', headers: admin })).json()
      .customers[0] as { id: string };
    const points = await app.server.inject({
      method: 'POST',
      url: `/api/v1/customers/${customer.id}/points`,
      headers: admin,
      payload: { delta: 5000, reason: 'loyal member', idempotencyKey: `tier-${group}` },
    });
    expect(points.statusCode).toBe(200);
    const after = await say({ user: 131, text: 'my shop again: https://my-bakery.shop' });
    const out = await deliver();
    expect(out.deleted).toEqual([before]);
    expect(out.deleted).not.toContain(after);
  });

  it('newcomers: links and media in the first hours are removed; plain text is fine', async () => {
    api.results.set('getChatAdministrators', []);
    await app.server.inject({
      method: 'PUT',
      url: `/api/v1/groups/telegram/${group}/moderation`,
      headers: admin,
      payload: { newcomers: { captcha: false } },
    });
    await join(51);
    const photo = await say({ user: 51, photo: true, text: 'my cake' });
    const text = await say({ user: 51, text: 'hi all, new here' });
    clock.advance(25 * 3_600_000);
    const later = await say({ user: 51, photo: true, text: 'my cake again' });
    const out = await deliver();
    expect(out.deleted).toEqual([photo]);
    expect(out.deleted).not.toContain(text);
    expect(out.deleted).not.toContain(later);
    expect(out.restricted).toEqual([]);
  });

  it('captcha: a newcomer is muted until their own press; another member’s press does nothing', async () => {
    await join(61, 'Lin');
    let out = await deliver();
    expect(out.restricted).toHaveLength(1);
    expect(out.restricted[0]).toMatchObject({ user_id: 61, permissions: { can_send_messages: false } });
    expect(out.restricted[0]).not.toHaveProperty('until_date');
    const question = out.replies.at(-1) as {
      text: string;
      reply_markup: { inline_keyboard: { text: string; callback_data: string }[][] };
    };
    expect(question.text).toContain('Welcome, Lin!');
    const button = question.reply_markup.inline_keyboard[0]?.[0];
    expect(button?.text).toBe("我不是机器人 / I'm human");
    api.calls.length = 0;
    await press(62, String(button?.callback_data), 777);
    expect((await deliver()).restricted).toEqual([]);
    await press(61, String(button?.callback_data), 777);
    out = await deliver();
    expect(out.restricted).toHaveLength(1);
    expect(out.restricted[0]).toMatchObject({ user_id: 61, permissions: { can_send_messages: true } });
    expect(out.deleted).toEqual([777]);
    // Passed: the job leaves them alone.
    clock.advance(120_000);
    await runJob(app, 'moderation-captcha');
    expect((await deliver()).banned).toEqual([]);
  });

  it('captcha: no press within the time removes the newcomer (ban, then unban) and deletes the question', async () => {
    await join(71);
    const out = await deliver();
    const question = out.replies.at(-1) as { text: string };
    expect(question.text).toContain('60 seconds');
    const sent = api.calls.filter((c) => c.method === 'sendMessage').length;
    expect(sent).toBeGreaterThan(0);
    clock.advance(30_000);
    expect(await runJob(app, 'moderation-captcha')).toBe(0);
    clock.advance(31_000);
    expect(await runJob(app, 'moderation-captcha')).toBe(1);
    // Twice (another instance, or the timer): removed once.
    expect(await runJob(app, 'moderation-captcha')).toBe(0);
    const after = await deliver();
    expect(after.banned).toHaveLength(1);
    expect(after.banned[0]).toMatchObject({ user_id: 71 });
    expect(after.unbanned).toEqual([{ chat_id: group, user_id: 71, only_if_banned: true }]);
    // The question's id came back from sendMessage and was kept on its outbox row.
    expect(after.deleted).toHaveLength(1);
    expect((await actions('&member=71')).map((a) => `${a.rule}:${a.action}`)).toEqual(['captcha:kick', 'captcha:mute']);
  });

  it('admin commands: /mute 2h, /warn and /unwarn, /ban, /unban; members are told they cannot', async () => {
    const spam = await say({ user: 81, text: 'hello everyone' });
    await say({ user: 82, text: '/ban', replyTo: { user: 81, messageId: spam } });
    let out = await deliver();
    expect(out.banned).toEqual([]);
    expect(out.said.at(-1)).toBe('Only group admins can use /ban.');

    const mutedAt = clock.now();
    await say({ user: ADMIN, text: '/mute 2h spamming', replyTo: { user: 81, messageId: spam } });
    out = await deliver();
    const muted = out.restricted.at(-1) as { user_id: number; until_date: number };
    expect(muted.user_id).toBe(81);
    expect(muted.until_date).toBe(Math.ceil((mutedAt + 2 * 3_600_000) / 1000));
    expect(out.said.at(-1)).toBe('🔇 Member81 is muted for 2 h: spamming');

    await say({ user: ADMIN, text: '/warn rude', replyTo: { user: 81, messageId: spam } });
    await say({ user: ADMIN, text: '/unwarn', replyTo: { user: 81, messageId: spam } });
    await say({ user: ADMIN, text: '/mute', replyTo: { user: ADMIN, messageId: spam } });
    await say({ user: ADMIN, text: '/kick' });
    out = await deliver();
    expect(out.said.slice(-4)).toEqual([
      '⚠️ Member81 1/3: rude',
      '✅ One warning of Member81 removed (0/3).',
      'Member9001 is an admin.',
      "Reply to the member's message with /kick.",
    ]);

    await say({ user: ADMIN, text: '/ban', replyTo: { user: 81, messageId: spam } });
    await say({ user: ADMIN, text: '/unban 81' });
    out = await deliver();
    expect(out.banned).toEqual([{ chat_id: group, user_id: 81, revoke_messages: false }]);
    expect(out.unbanned).toEqual([{ chat_id: group, user_id: 81, only_if_banned: true }]);
    const log = await actions('&member=81');
    expect(log[0]).toMatchObject({ action: 'unban', actor: `admin:${ADMIN}` });
    expect(log.find((a) => a.action === 'ban')).toMatchObject({ undone: true });
  });

  it('/report reaches Slack with Ban, Delete and Dismiss; Ban there bans and deletes', async () => {
    const bad = await say({ user: 91, text: 'you are all idiots' });
    await say({ user: 92, text: '/report insults', replyTo: { user: 91, messageId: bad, text: 'you are all idiots' } });
    const out = await deliver();
    expect(out.said.at(-1)).toBe('✅ Thanks, the admins have been told.');
    const post = slack.calls.find((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('Reported'));
    expect(post?.args.channel).toBe(SLACK_CHANNEL);
    expect(String(post?.args.text)).toContain('you are all idiots');
    const blocks = JSON.parse(JSON.stringify(post?.args.blocks)) as {
      type: string;
      elements?: { action_id: string; value: string }[];
    }[];
    const buttons = blocks.find((b) => b.type === 'actions')?.elements ?? [];
    expect(buttons.map((b) => b.action_id)).toEqual(['mod_ban', 'mod_delete', 'mod_dismiss']);
    const ban = buttons[0] as { action_id: string; value: string };
    const raw = `payload=${encodeURIComponent(
      JSON.stringify(
        buttonPress({
          channel: SLACK_CHANNEL,
          user: 'U7',
          actionId: ban.action_id,
          value: ban.value,
          messageTs: '1.2',
        }),
      ),
    )}`;
    const res = await app.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SLACK_SECRET, raw, clock.now()),
      },
      payload: raw,
    });
    expect(res.statusCode).toBe(200);
    const after = await deliver();
    expect(after.banned).toEqual([{ chat_id: group, user_id: 91, revoke_messages: false }]);
    expect(after.deleted).toEqual([bad]);
    expect((await actions('&member=91'))[0]).toMatchObject({ rule: 'staff', action: 'ban', actor: 'staff:slack:U7' });
  });

  it('a call Telegram refuses (the bot may not restrict) is noted on its decision and reported to staff', async () => {
    api.fail('restrictChatMember', {
      status: 400,
      description: 'Bad Request: not enough rights to restrict/unrestrict chat member',
    });
    for (let i = 0; i < 5; i++) await say({ user: 95, text: `again ${i}` });
    await deliver();
    const mute = (await actions('&member=95')).find((a) => a.action === 'mute');
    expect(String(mute?.error)).toMatch(/^restrict: ADAPTER_FORBIDDEN/);
    const post = slack.calls.find(
      (c) => c.method === 'chat.postMessage' && String(c.args.text).includes('could not act'),
    );
    expect(String(post?.args.text)).toContain('Member95');
  });

  it('/report in a private chat says how to report', async () => {
    await adapter.handleWebhookUpdate({
      update_id: updateId++,
      message: {
        message_id: messageId++,
        date: Math.floor(clock.now() / 1000),
        chat: { id: 96, type: 'private', first_name: 'Ann' },
        from: { id: 96, is_bot: false, first_name: 'Ann', language_code: 'en' },
        text: '/report',
      },
    });
    await deliver();
    expect(api.sentTo(96).map((c) => c.body.text)).toEqual([
      'To report a message, reply to it in the group with /report.',
    ]);
  });

  it('a member may report at most ten times an hour', async () => {
    const target = await say({ user: 93, text: 'meh' });
    for (let i = 0; i < 11; i++) await say({ user: 94, text: '/report', replyTo: { user: 93, messageId: target } });
    const out = await deliver();
    expect(out.said.filter((t) => t.startsWith('✅ Thanks'))).toHaveLength(10);
    expect(out.said.at(-1)).toBe('You have reported a lot in the last hour; please try again later.');
  });

  it('dry run decides and logs everything, and acts on nothing', async () => {
    const put = await app.server.inject({
      method: 'PUT',
      url: `/api/v1/groups/telegram/${group}/moderation`,
      headers: admin,
      payload: { mode: 'dryRun' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ settings: { mode: 'dryRun' }, overrides: { mode: 'dryRun' } });
    await say({ user: 101, text: 'buy at https://spam.top now' });
    for (let i = 0; i < 5; i++) await say({ user: 102, text: `flood ${i}` });
    const out = await deliver();
    expect(out.deleted).toEqual([]);
    expect(out.restricted).toEqual([]);
    expect(out.said).toEqual([]);
    const log = await actions();
    expect(log.map((a) => [a.rule, a.dryRun])).toEqual([
      ['flood', true],
      ['links', true],
    ]);
    const interactions = await app.store.db.interaction.count({ where: { kind: 'moderation', channel: 'telegram' } });
    expect(interactions).toBeGreaterThanOrEqual(2);
  });

  it('undo lifts a mute; a second undo is a 409', async () => {
    const spam = await say({ user: 111, text: 'x' });
    await say({ user: ADMIN, text: '/mute 1d', replyTo: { user: 111, messageId: spam } });
    await deliver();
    const mute = (await actions('&member=111')).find((a) => a.action === 'mute') as { id: number };
    const undo = () =>
      app.server.inject({ method: 'POST', url: `/api/v1/moderation/actions/${mute.id}/undo`, headers: admin });
    const first = await undo();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ id: mute.id, undone: true });
    const out = await deliver();
    expect(out.restricted.at(-1)).toMatchObject({ user_id: 111, permissions: { can_send_messages: true } });
    expect((await undo()).statusCode).toBe(409);
  });

  it('settings are validated, and the groups are listed with their counts', async () => {
    await say({ user: 121, text: 'hello there' });
    const bad = await app.server.inject({
      method: 'PUT',
      url: `/api/v1/groups/telegram/${group}/moderation`,
      headers: admin,
      payload: { flood: { messages: 0 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/flood\.messages/);
    const badPattern = await app.server.inject({
      method: 'PUT',
      url: `/api/v1/groups/telegram/${group}/moderation`,
      headers: admin,
      payload: { blocklist: [{ pattern: '/[unclosed/', action: 'warn' }] },
    });
    expect(badPattern.statusCode).toBe(400);
    expect(badPattern.json().error.message).toMatch(/blocklist\.0\.pattern: not a regular expression/);
    const unknownAction = await app.server.inject({
      method: 'PUT',
      url: `/api/v1/groups/telegram/${group}/moderation`,
      headers: admin,
      payload: { links: { action: 'explode' } },
    });
    expect(unknownAction.statusCode).toBe(400);
    // Members seen first are written down in the background, a batch at a time.
    await featureApi(app, moderationFeature).moderation.flushSeen();
    const list = await app.server.inject({ method: 'GET', url: '/api/v1/groups', headers: admin });
    expect(list.statusCode).toBe(200);
    const mine = (list.json().groups as { chatId: string; members: number }[]).find((g) => g.chatId === String(group));
    expect(mine).toMatchObject({ channel: 'telegram', members: 1 });
  });
});
