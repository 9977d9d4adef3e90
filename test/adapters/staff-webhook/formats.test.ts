// Each staff-webhook format against a loopback receiver: the body each platform documents, the
// signature recomputed here from the secret (Feishu, DingTalk, json), and the platforms' error
// answers (HTTP 200 with a code in the body) turned into retry-after or give-up.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffWebhook, type StaffWebhookConfig } from '../../../adapters/staff-webhook/index.js';
import { parseEnv } from '../../../src/config.js';
import type { OutboundMessage } from '../../../src/engine/types.js';
import { SendError } from '../../../src/errors.js';
import type { StaffEvent, StaffTicket } from '../../../src/staff/channel.js';
import { FakeWebhookReceiver } from '../../fakes/staff-webhook.js';

const NOW = Date.parse('2026-07-01T02:00:00Z');
const SECRET = 'SECtest-webhook-secret';

const ticket: StaffTicket = {
  id: 42,
  customerId: 'c-1',
  channel: 'telegram',
  chatId: '1001',
  status: 'open',
  reason: 'safety',
  priority: 'high',
  trigger: '吃了你们的三明治后食物中毒了 [link](http://evil) <b>',
  assignee: null,
  reminders: 0,
  createdAt: new Date(NOW),
};
const context = {
  id: 'c-1',
  name: '王小明',
  identities: [{ channel: 'telegram', externalId: '1001' }],
  stage: 'customer',
  points: 120,
  tier: 'Bronze · 青铜',
  csat: null,
  recent: [],
};
const at = new Date(NOW);
const opened: StaffEvent = { kind: 'opened', ticket, context, at };
const normalTicket = { ...ticket, priority: 'normal', reason: 'human' };

const receiver = new FakeWebhookReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

function webhook(format: StaffWebhookConfig['format'], o: Partial<StaffWebhookConfig> = {}) {
  return createStaffWebhook({
    url,
    format,
    publicUrl: 'https://rapport.example.com/',
    locale: 'zh-CN',
    now: () => NOW,
    ...o,
  });
}

/** Renders one event and posts it as the outbox would; returns the request the receiver saw. */
async function deliver(hook: ReturnType<typeof webhook>, event: StaffEvent) {
  const [message] = hook.channel.render(event) as [OutboundMessage];
  await hook.sender.send({ chatId: hook.channel.chatId, chatType: 'group', outboxId: 7 }, message);
  const request = receiver.requests.at(-1);
  if (!request) throw new Error('nothing was posted');
  return request;
}

/** What a failed send was turned into. */
async function failure(hook: ReturnType<typeof webhook>, answer: FakeWebhookReceiver['answers'][number]) {
  receiver.answers.push(answer);
  const [message] = hook.channel.render(opened) as [OutboundMessage];
  const err = await hook.sender.send({ chatId: hook.channel.chatId, chatType: 'group', outboxId: 8 }, message).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SendError);
  const e = err as SendError;
  return { permanent: e.permanent, retryAfterMs: e.retryAfterMs, message: e.message };
}

describe('STAFF_WEBHOOK_FORMAT=json', () => {
  it('posts the documented event, signed with the secret', async () => {
    const request = await deliver(webhook('json', { secret: SECRET }), opened);
    expect(request.body).toEqual({
      event: 'ticket.opened',
      at: '2026-07-01T02:00:00.000Z',
      ticket: {
        id: 42,
        status: 'open',
        reason: 'safety',
        priority: 'high',
        trigger: ticket.trigger,
        assignee: null,
        createdAt: '2026-07-01T02:00:00.000Z',
        customer: { id: 'c-1', name: '王小明', channel: 'telegram' },
        url: 'https://rapport.example.com/api/v1/tickets/42',
      },
    });
    expect(request.headers['x-rapport-event']).toBe('ticket.opened');
    expect(request.headers['x-rapport-delivery']).toBe('7');
    const timestamp = request.headers['x-rapport-timestamp'] as string;
    expect(timestamp).toBe(String(NOW / 1000));
    const raw = JSON.stringify(request.body);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex')}`;
    expect(request.headers['x-rapport-signature']).toBe(expected);
  });

  it('carries the message, who acted and how long it waited', async () => {
    const hook = webhook('json');
    const customer = { id: 'c-1', name: '王小明' };
    const wrote = await deliver(hook, { kind: 'customer_message', ticket, customer, text: 'hello??', at });
    expect(wrote.body).toMatchObject({
      event: 'ticket.message',
      message: { author: 'customer', name: '王小明', text: 'hello??' },
    });
    expect(wrote.headers['x-rapport-signature']).toBeUndefined();
    const note = await deliver(hook, {
      kind: 'staff_message',
      ticket,
      customer,
      by: 'li',
      text: 'upset',
      note: true,
      at,
    });
    expect(note.body).toMatchObject({
      event: 'ticket.message',
      message: { author: 'note', name: 'li', text: 'upset' },
    });
    const claimed = { ...ticket, status: 'claimed', assignee: 'slack:U1' };
    const claim = await deliver(hook, { kind: 'claimed', ticket: claimed, context, by: 'slack:U1', at });
    expect(claim.body).toMatchObject({
      event: 'ticket.claimed',
      by: 'slack:U1',
      ticket: { status: 'claimed', assignee: 'slack:U1' },
    });
    const reminder = await deliver(hook, {
      kind: 'reminder',
      ticket,
      customer,
      minutesWaiting: 12,
      mention: undefined,
      at,
    });
    expect(reminder.body).toMatchObject({ event: 'ticket.reminder', minutesWaiting: 12 });
  });

  it('retries on 429 (as long as Retry-After says), 408 and 5xx; gives up on other 4xx', async () => {
    const hook = webhook('json');
    expect(await failure(hook, { status: 429, headers: { 'retry-after': '30' } })).toMatchObject({
      permanent: false,
      retryAfterMs: 30_000,
    });
    expect(await failure(hook, { status: 503 })).toMatchObject({ permanent: false, retryAfterMs: undefined });
    expect(await failure(hook, { status: 404 })).toMatchObject({
      permanent: true,
      message: expect.stringMatching(/HTTP 404/),
    });
  });
});

describe('STAFF_WEBHOOK_FORMAT=wecom (企业微信群机器人)', () => {
  it('posts markdown with the customer, reason, priority, trigger and link; urgent posts @all as text', async () => {
    const hook = webhook('wecom');
    const normal = await deliver(hook, { ...opened, ticket: normalTicket });
    expect(normal.url.searchParams.get('key')).toBe('test-key');
    expect(normal.body.msgtype).toBe('markdown');
    const content = (normal.body.markdown as { content: string }).content;
    expect(content).toContain('**新工单 #42**');
    expect(content).toContain('> 客户：王小明 (telegram)');
    expect(content).toContain('> 原因：要求人工');
    expect(content).toContain('> 优先级：普通');
    expect(content).toContain('[打开工单](https://rapport.example.com/api/v1/tickets/42)');
    // The customer's words cannot add a link or a tag to staff's post.
    expect(content).toContain('> 客户原话：吃了你们的三明治后食物中毒了 ［link］(http://evil) ＜b＞');

    const urgent = await deliver(hook, opened);
    expect(urgent.body).toMatchObject({ msgtype: 'text', text: { mentioned_list: ['@all'] } });
    const text = (urgent.body.text as { content: string }).content;
    expect(text.split('\n')[0]).toBe('【紧急】新工单 #42');
    expect(text).toContain('优先级：高');
    expect(text).toContain('打开工单：https://rapport.example.com/api/v1/tickets/42');
  });

  it('maps errcode in a 200 answer: 45009 waits a minute, a bad key gives up, 0 is sent', async () => {
    const hook = webhook('wecom');
    expect(await failure(hook, { body: { errcode: 45009, errmsg: 'api freq out of limit' } })).toMatchObject({
      permanent: false,
      retryAfterMs: 60_000,
    });
    expect(await failure(hook, { body: { errcode: 93000, errmsg: 'invalid webhook url' } })).toMatchObject({
      permanent: true,
      message: 'wecom: errcode 93000 invalid webhook url',
    });
    expect(await failure(hook, { body: { errcode: -1, errmsg: 'system busy' } })).toMatchObject({ permanent: false });
  });
});

describe('STAFF_WEBHOOK_FORMAT=feishu (飞书自定义机器人)', () => {
  it('posts rich text signed as Feishu checks it (timestamp + "\\n" + secret as the key over nothing)', async () => {
    const request = await deliver(webhook('feishu', { secret: SECRET }), opened);
    const { timestamp, sign, msg_type, content } = request.body as {
      timestamp: string;
      sign: string;
      msg_type: string;
      content: { post: { zh_cn: { title: string; content: Record<string, string>[][] } } };
    };
    expect(timestamp).toBe(String(NOW / 1000));
    expect(sign).toBe(createHmac('sha256', `${timestamp}\n${SECRET}`).update('').digest('base64'));
    expect(msg_type).toBe('post');
    const post = content.post.zh_cn;
    expect(post.title).toBe('【紧急】新工单 #42');
    const texts = post.content.flat();
    expect(texts).toContainEqual({ tag: 'text', text: '客户：王小明 (telegram)' });
    expect(texts).toContainEqual({ tag: 'text', text: '原因：安全与健康' });
    expect(texts).toContainEqual({ tag: 'text', text: `客户原话：${ticket.trigger}` });
    expect(texts).toContainEqual({ tag: 'a', text: '打开工单', href: 'https://rapport.example.com/api/v1/tickets/42' });
    expect(texts).toContainEqual({ tag: 'at', user_id: 'all' });
  });

  it('unsigned without a secret, in English when the business speaks English; no @all when not urgent', async () => {
    const request = await deliver(webhook('feishu', { locale: 'en' }), { ...opened, ticket: normalTicket });
    expect(request.body.sign).toBeUndefined();
    const post = (request.body.content as { post: { en_us: { title: string; content: Record<string, string>[][] } } })
      .post.en_us;
    expect(post.title).toBe('New ticket #42');
    expect(post.content.flat()).not.toContainEqual({ tag: 'at', user_id: 'all' });
  });

  it('maps code in the answer: a bad signature or missing keyword gives up, 11232 waits', async () => {
    const hook = webhook('feishu', { secret: SECRET });
    const badSign = { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' };
    expect(await failure(hook, { body: badSign })).toMatchObject({ permanent: true });
    // Feishu also answers some errors with HTTP 400 and the code in the body.
    expect(await failure(hook, { status: 400, body: { code: 19024, msg: 'Key Words Not Found' } })).toMatchObject({
      permanent: true,
      message: 'feishu: code 19024 Key Words Not Found',
    });
    expect(await failure(hook, { body: { code: 11232, msg: 'frequency limited' } })).toMatchObject({
      permanent: false,
      retryAfterMs: 60_000,
    });
  });
});

describe('STAFF_WEBHOOK_FORMAT=dingtalk (钉钉自定义机器人)', () => {
  it('posts markdown with @all when urgent, signed in the query as DingTalk checks it', async () => {
    const request = await deliver(webhook('dingtalk', { secret: SECRET }), opened);
    expect(request.url.searchParams.get('key')).toBe('test-key');
    const timestamp = request.url.searchParams.get('timestamp') as string;
    expect(timestamp).toBe(String(NOW));
    const expected = createHmac('sha256', SECRET).update(`${timestamp}\n${SECRET}`).digest('base64');
    // The query carries it url-encoded; the server reads it decoded.
    expect(request.url.searchParams.get('sign')).toBe(expected);
    expect(request.url.search).toContain(`sign=${encodeURIComponent(expected)}`);
    expect(request.body).toMatchObject({ msgtype: 'markdown', at: { isAtAll: true } });
    const { title, text } = request.body.markdown as { title: string; text: string };
    expect(title).toBe('【紧急】新工单 #42');
    expect(text).toContain('> 优先级：高');
    expect(text).toContain('[打开工单](https://rapport.example.com/api/v1/tickets/42)');
  });

  it('maps errcode: 310000 (keyword, signature, IP) gives up, 130101 waits the 10-minute throttle', async () => {
    const hook = webhook('dingtalk', { secret: SECRET });
    expect(await failure(hook, { body: { errcode: 310000, errmsg: 'sign not match' } })).toMatchObject({
      permanent: true,
    });
    expect(await failure(hook, { body: { errcode: 130101, errmsg: 'send too fast' } })).toMatchObject({
      permanent: false,
      retryAfterMs: 600_000,
    });
  });
});

describe('staff webhook delivery and settings', () => {
  it('refuses a post queued for another format (the setting changed since)', async () => {
    const wecom = webhook('wecom');
    const [message] = webhook('feishu').channel.render(opened) as [OutboundMessage];
    const err = await wecom.sender.send({ chatId: 'feishu', chatType: 'group', outboxId: 9 }, message).catch((e) => e);
    expect(err).toMatchObject({ permanent: true });
  });

  it('an unreachable receiver is retried', async () => {
    const hook = createStaffWebhook({
      url: 'http://127.0.0.1:9/hook',
      format: 'json',
      publicUrl: 'http://x',
      locale: 'en',
    });
    const [message] = hook.channel.render(opened) as [OutboundMessage];
    const err = await hook.sender.send({ chatId: 'json', chatType: 'group', outboxId: 1 }, message).catch((e) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ permanent: false });
  });

  it('settings name the variable', () => {
    expect(() => parseEnv({ STAFF_WEBHOOK_FORMAT: 'wecom' })).toThrow(
      /STAFF_WEBHOOK_URL: required when STAFF_WEBHOOK_FORMAT/,
    );
    expect(() => parseEnv({ STAFF_WEBHOOK_SECRET: 's' })).toThrow(
      /STAFF_WEBHOOK_URL: required when STAFF_WEBHOOK_SECRET/,
    );
    expect(() => parseEnv({ STAFF_WEBHOOK_URL: 'http://x/hook', STAFF_WEBHOOK_FORMAT: 'slack' })).toThrow(
      /STAFF_WEBHOOK_FORMAT/,
    );
    expect(() => parseEnv({ STAFF_WEBHOOK_URL: 'ftp://x/hook' })).toThrow(/STAFF_WEBHOOK_URL/);
    expect(() => parseEnv({ STAFF_WEBHOOK_URL: 'not a url' })).toThrow(/STAFF_WEBHOOK_URL/);
    expect(() =>
      parseEnv({
        STAFF_WEBHOOK_URL: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
        STAFF_WEBHOOK_FORMAT: 'wecom',
        STAFF_WEBHOOK_SECRET: 's',
      }),
    ).toThrow(/STAFF_WEBHOOK_SECRET: WeCom group bots are not signed/);
    expect(() => parseEnv({ PUBLIC_URL: 'rapport.example.com' })).toThrow(/PUBLIC_URL/);
    const env = parseEnv({
      STAFF_WEBHOOK_URL: 'https://open.feishu.cn/open-apis/bot/v2/hook/x',
      STAFF_WEBHOOK_FORMAT: 'feishu',
      STAFF_WEBHOOK_SECRET: 's',
    });
    expect(env).toMatchObject({ STAFF_WEBHOOK_FORMAT: 'feishu', STAFF_WEBHOOK_SECRET: 's' });
  });
});
