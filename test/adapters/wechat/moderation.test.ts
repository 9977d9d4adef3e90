// WeChat moderation with the real Wechaty and wechaty-puppet-mock: removing a member works only in a
// room the bot's account owns; everything else fails with a coded error and removes nobody.
// PuppetMock's roomDel does nothing but log: TestPuppet records the call, and a puppet's own failure is
// played by replacing it (the mock cannot refuse by itself).
import { afterEach, describe, expect, it } from 'vitest';
import { moderatorOf } from '../../../src/engine/moderation.js';
import { ModerationError } from '../../../src/errors.js';
import { FakeClock } from '../../fakes/clock.js';
import { Harness } from './harness.js';

const harnesses: Harness[] = [];
async function loggedIn() {
  const harness = new Harness({ clock: new FakeClock(Date.parse('2026-07-01T02:00:00Z')) });
  harnesses.push(harness);
  await harness.adapter.start({ handleInbound: async () => ({ duplicate: false, replies: [] }) });
  await harness.login();
  return harness;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.adapter.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModerationError);
  return (error as ModerationError).code;
}

describe('WeChat moderation (wechaty + puppet mock)', () => {
  it("removes a member from a room the bot's account owns", async () => {
    const h = await loggedIn();
    const spammer = h.customer('刷单的');
    const { room } = h.room('咖啡爱好者', [spammer.contact], h.botUser);
    await h.adapter.removeMember(room.id, spammer.contact.id);
    expect(h.puppet.removed).toEqual([{ roomId: room.id, contactId: spammer.contact.id }]);
  });

  it('refuses in a room someone else owns, or whose owner is unknown (WeChat lets only the owner remove)', async () => {
    const h = await loggedIn();
    const owner = h.customer('群主');
    const spammer = h.customer('刷单的');
    const owned = h.room('别人的群', [owner.contact, spammer.contact], owner.contact);
    const unknown = h.room('不知谁的群', [spammer.contact]);
    expect(await codeOf(h.adapter.removeMember(owned.room.id, spammer.contact.id))).toBe('ADAPTER_FORBIDDEN');
    expect(await codeOf(h.adapter.removeMember(unknown.room.id, spammer.contact.id))).toBe('ADAPTER_FORBIDDEN');
    expect(h.puppet.removed).toEqual([]);
  });

  it('reports a room or member that is not there as not found', async () => {
    const h = await loggedIn();
    const member = h.customer('老顾客');
    const outsider = h.customer('路人');
    const { room } = h.room('咖啡爱好者', [member.contact], h.botUser);
    expect(await codeOf(h.adapter.removeMember(room.id, outsider.contact.id))).toBe('ADAPTER_NOT_FOUND');
    expect(await codeOf(h.adapter.removeMember(room.id, 'wx-nobody'))).toBe('ADAPTER_NOT_FOUND');
    expect(await codeOf(h.adapter.removeMember('wx-room-the-bot-left', member.contact.id))).toBe('ADAPTER_NOT_FOUND');
    expect(h.puppet.removed).toEqual([]);
  });

  it('is unavailable while the account is not logged in', async () => {
    const h = new Harness({ clock: new FakeClock(Date.parse('2026-07-01T02:00:00Z')) });
    harnesses.push(h);
    await h.adapter.start({ handleInbound: async () => ({ duplicate: false, replies: [] }) });
    expect(await codeOf(h.adapter.removeMember('room@chatroom', 'wx-someone'))).toBe('ADAPTER_UNAVAILABLE');
  });

  it("maps the puppet's failure: a puppet without roomDel is unsupported, a dropped connection unavailable", async () => {
    const h = await loggedIn();
    const spammer = h.customer('刷单的');
    const { room } = h.room('咖啡爱好者', [spammer.contact], h.botUser);
    h.puppet.roomDel = async () => {
      throw new Error('roomDel() not implemented by this puppet');
    };
    expect(await codeOf(h.adapter.removeMember(room.id, spammer.contact.id))).toBe('ADAPTER_UNSUPPORTED');
    h.puppet.roomDel = async () => {
      throw new Error('gRPC connection reset');
    };
    expect(await codeOf(h.adapter.removeMember(room.id, spammer.contact.id))).toBe('ADAPTER_UNAVAILABLE');
  });

  it('has no way to delete messages or mute members: both are unsupported', async () => {
    const h = await loggedIn();
    const spammer = h.customer('刷单的');
    const { room } = h.room('咖啡爱好者', [spammer.contact], h.botUser);
    const moderator = moderatorOf(h.adapter);
    expect(await codeOf(moderator.deleteMessage(room.id, 'wx-message'))).toBe('ADAPTER_UNSUPPORTED');
    expect(await codeOf(moderator.restrictMember(room.id, spammer.contact.id, undefined))).toBe('ADAPTER_UNSUPPORTED');
    expect(await codeOf(moderator.unrestrictMember(room.id, spammer.contact.id))).toBe('ADAPTER_UNSUPPORTED');
    expect(h.puppet.removed).toEqual([]);
  });
});
