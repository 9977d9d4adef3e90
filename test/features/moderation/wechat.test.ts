// Group moderation in WeChat rooms, through the real Wechaty with wechaty-puppet-mock and the whole
// app: WeChat cannot delete others' messages or mute anyone, so the bot says so in the room and
// staff are told (a JSON staff webhook here); removal works only in a room the bot's account owns,
// and a refused removal reaches staff too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { Harness, until, wechatSettings } from '../../adapters/wechat/harness.js';
import { FakeClock } from '../../fakes/clock.js';
import { FakeWebhookReceiver } from '../../fakes/staff-webhook.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

const YAML = `
loyalty:
  rules:
    welcome: 0
moderation:
  blocklist:
    - { pattern: "刷单", action: warn }
  warnings: { limit: 2 }
`;

describeOnEachDatabase('group moderation in WeChat rooms', (database) => {
  const clock = new FakeClock(Date.parse('2026-07-01T02:00:00Z'));
  const staff = new FakeWebhookReceiver({ ok: true });
  let app: App;
  let h: Harness;

  beforeAll(async () => {
    const url = await staff.start('/hook');
    h = new Harness({ clock, settings: wechatSettings(YAML), watchRooms: true });
    app = await testApp(database().url, {
      clock,
      yaml: YAML,
      env: { STAFF_WEBHOOK_URL: url, STAFF_WEBHOOK_FORMAT: 'json' },
      adapters: [h.adapter],
      dispatcherPollMs: 20,
    });
    await app.start();
    await h.login();
  });
  afterAll(async () => {
    await app?.stop();
    await staff.stop();
  });

  const reports = (event: string) => staff.requests.filter((r) => r.body.event === event).map((r) => r.body);

  it('a link cannot be deleted: the member is warned in the room instead and staff are told', async () => {
    const owner = h.customer('群主');
    const spammer = h.customer('小广告');
    const group = h.room('面包爱好者', [owner.contact, spammer.contact], owner.contact);
    group.say(spammer.contact, '优惠看这里 https://cheap.example.xyz/deal');
    await until(() => expect(group.inbox).toHaveLength(1));
    // The message stays: removing it becomes a warning, counted, and staff are told.
    expect(group.inbox[0]).toBe('⚠️ 小广告 1/2：本群不允许发链接。机器人无法在这里撤回消息，已通知管理员。');
    await until(() => expect(reports('moderation.cannot_act')).toHaveLength(1));
    const [report] = reports('moderation.cannot_act') as { case: Record<string, unknown> }[];
    expect(report?.case).toMatchObject({
      channel: 'wechat',
      chatId: group.room.id,
      member: { id: spammer.contact.id, name: '小广告' },
      text: '优惠看这里 https://cheap.example.xyz/deal',
    });
    // Plain talk is left alone, and not answered (nobody addressed the bot).
    group.say(owner.contact, '大家早上好');
    group.say(spammer.contact, '早');
    await new Promise((r) => setTimeout(r, 200));
    expect(group.inbox).toHaveLength(1);
  });

  it('warnings are said in the room; at the limit a member is removed from a room the bot owns', async () => {
    const spammer = h.customer('刷单王');
    const group = h.room('会员群', [spammer.contact], h.botUser);
    group.say(spammer.contact, '专业刷单，日结');
    await until(() => expect(group.inbox).toHaveLength(1));
    group.say(spammer.contact, '刷单兼职，私聊');
    await until(() => expect(group.inbox).toHaveLength(3));
    expect(group.inbox).toEqual([
      '⚠️ 刷单王 1/2：包含本群不允许的内容。机器人无法在这里撤回消息，已通知管理员。',
      '⚠️ 刷单王 2/2：包含本群不允许的内容。机器人无法在这里撤回消息，已通知管理员。',
      '⛔ 刷单王 已被封禁：警告已满 2 次',
    ]);
    await until(() => expect(h.puppet.removed).toEqual([{ roomId: group.room.id, contactId: spammer.contact.id }]));
  });

  it('in a room someone else owns, the removal is refused: noted on the decision and reported to staff', async () => {
    const owner = h.customer('店长');
    const spammer = h.customer('代刷');
    const group = h.room('别人的群', [owner.contact, spammer.contact], owner.contact);
    group.say(spammer.contact, '刷单啦');
    group.say(spammer.contact, '还是刷单');
    await until(() => expect(group.inbox).toHaveLength(3));
    // Each warning (the messages stay), and the removal the platform refused.
    // (Counted for this room only: an earlier test's cases may still be arriving.)
    const here = () =>
      reports('moderation.cannot_act').filter((r) => (r as { case: { chatId: string } }).case.chatId === group.room.id);
    await until(() => expect(here()).toHaveLength(3));
    expect(h.puppet.removed.filter((r) => r.roomId === group.room.id)).toEqual([]);
    const res = await app.server.inject({
      method: 'GET',
      url: `/api/v1/moderation/actions?chat=${encodeURIComponent(group.room.id)}&member=${encodeURIComponent(spammer.contact.id)}`,
      headers: admin,
    });
    const ban = (res.json().actions as Record<string, unknown>[]).find((a) => a.action === 'ban');
    expect(ban).toMatchObject({ rule: 'warnings' });
    expect(String(ban?.error)).toMatch(/remove: ADAPTER_FORBIDDEN/);
  });
});
