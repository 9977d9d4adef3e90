// The WeChat channel against the adapter contract: the real Wechaty with wechaty-puppet-mock playing
// WeChat's users and rooms. Failures are WeChat's own conditions: the account's daily cap, a contact
// who is no longer a friend, a room the bot left, a puppet that fails to send.
import type { InboundMessage } from '../../../src/engine/types.js';
import { FakeClock } from '../../fakes/clock.js';
import { adapterContract, type Failure } from '../contract.js';
import { type Customer, type Group, Harness, until, wechatSettings } from './harness.js';

const DAILY_CAP = 40;

adapterContract('wechat', async () => {
  const clock = new FakeClock(Date.parse('2026-07-01T02:00:00Z'));
  const harness = new Harness({ clock, settings: wechatSettings(`wechat:\n  dailyCap: ${DAILY_CAP}\n`) });
  const received: InboundMessage[] = [];
  await harness.adapter.start({
    handleInbound: async (m) => {
      received.push(m);
      return { duplicate: false, replies: [] };
    },
  });
  await harness.login();

  const customers = new Map<string, Customer>();
  const customer = (name: string) => {
    let c = customers.get(name);
    if (!c) {
      c = harness.customer(name);
      customers.set(name, c);
    }
    return c;
  };
  const groups = new Map<string, Group>();
  const lastButtons = new Map<string, string[]>();
  let outboxId = 0;
  let failNext: Failure | undefined;
  let capped = false;

  /** Waits for the adapter to hand over `count` more messages (or, for `none`, lets it settle). */
  const received$ = async (act: () => void, count = 1) => {
    const before = received.length;
    act();
    await until(() => {
      if (received.length < before + count) throw new Error('not yet');
    });
    return received.slice(before);
  };

  const send = async (chatId: string, chatType: 'private' | 'group', text: string) =>
    harness.adapter.send({ chatId, chatType, outboxId: ++outboxId }, { text });

  return {
    adapter: harness.adapter,
    deliver: async (event) => {
      switch (event.kind) {
        case 'text': {
          const c = customer(event.user);
          return received$(() => c.send({ text: event.text, id: `wx-${event.id}` }));
        }
        case 'command': {
          const c = customer(event.user);
          return received$(() => c.say(`/${event.command}${event.args ? ` ${event.args}` : ''}`));
        }
        case 'button': {
          // WeChat shows numbered options; the customer replies with the number.
          const c = customer(event.user);
          const index = (lastButtons.get(event.user) ?? []).indexOf(event.label);
          return received$(() => c.say(String(index + 1)));
        }
        case 'group': {
          const member = customer(event.user);
          let g = groups.get(event.group);
          if (!g) {
            g = harness.room(event.group, [member.contact]);
            groups.set(event.group, g);
          }
          const room = g;
          if (!event.mentioned) {
            // WeChat rooms: messages that do not mention the bot never reach the engine.
            const before = received.length;
            room.say(member.contact, event.text, false);
            await new Promise((resolve) => setTimeout(resolve, 200));
            return received.slice(before);
          }
          return received$(() => room.say(member.contact, `@小满助手 ${event.text}`, true));
        }
      }
    },
    show: async (user, message) => {
      const c = customer(user);
      const failure = failNext;
      failNext = undefined;
      if (capped && failure !== 'rate_limited') {
        clock.advance(24 * 3_600_000); // a new day lifts the cap
        capped = false;
      }
      switch (failure) {
        case 'rate_limited':
          // The account's daily cap: WeChat's own limit, reached by sending.
          for (let i = 0; i <= DAILY_CAP; i++) await send(c.contact.id, 'private', `filler ${i}`);
          throw new Error('the daily cap was not reached');
        case 'blocked':
          await send('wx-contact-who-deleted-us', 'private', message.text);
          break;
        case 'rejected':
          await send('wx-room-the-bot-left', 'group', message.text);
          break;
        case 'unavailable': {
          const original = harness.puppet.messageSendText.bind(harness.puppet);
          harness.puppet.messageSendText = async () => {
            harness.puppet.messageSendText = original;
            throw new Error('puppet connection reset');
          };
          await send(c.contact.id, 'private', message.text);
          break;
        }
        case undefined: {
          const before = c.inbox.length;
          await harness.adapter.send({ chatId: c.contact.id, chatType: 'private', outboxId: ++outboxId }, message);
          await until(() => {
            if (c.inbox.length <= before) throw new Error('not delivered yet');
          });
          lastButtons.set(
            user,
            (message.buttons ?? []).map((b) => b.label),
          );
          const text = c.inbox.slice(before).join('\n');
          // The options as the customer reads them: "1. Latte", "2. Mocha".
          return { text, choices: text.split('\n').filter((line) => /^\s*\d+[.、]/.test(line)) };
        }
      }
      throw new Error(`the ${failure} send did not fail`);
    },
    moderation: {
      // A room the bot's account owns (WeChat lets only the owner remove members), and a member's message there.
      group: async () => {
        const member = customer('u-unruly');
        const room = harness.room('moderated', [member.contact], harness.botUser);
        const [m] = await received$(() => room.say(member.contact, '@小满助手 buy followers here', true));
        if (!m?.platformMessageId) throw new Error('the room message was not handed over');
        return { chatId: m.chatId, userId: m.sender.id, platformMessageId: m.platformMessageId };
      },
      performed: () =>
        harness.puppet.removed.map((r) => ({ action: 'removeMember' as const, chatId: r.roomId, target: r.contactId })),
    },
    failNext: (failure) => {
      failNext = failure;
      if (failure === 'rate_limited') capped = true;
    },
    close: () => harness.adapter.close?.() ?? Promise.resolve(),
  };
});
