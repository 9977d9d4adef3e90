// The contract every channel adapter keeps, as one suite each adapter's test runs against its own
// platform (or protocol-level fake): normalization of text, commands, buttons and group mentions,
// stable platform ids for repeated deliveries, rendering of buttons, error mapping, and moderation
// (declared capabilities match the methods; unsupported actions fail coded; supported ones reach the platform).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelAdapter, NO_MODERATION } from '../../src/engine/channel.js';
import { parseCommand } from '../../src/engine/context.js';
import { type ModerationAction, moderatorOf } from '../../src/engine/moderation.js';
import type { InboundMessage, OutboundMessage } from '../../src/engine/types.js';
import { ModerationError, SendError } from '../../src/errors.js';

/** Something a customer does on the platform. */
export type CustomerEvent =
  | { kind: 'text'; user: string; text: string; id: string }
  | { kind: 'command'; user: string; command: string; args?: string }
  /** Pressing the button with this label on the last message shown to the user. */
  | { kind: 'button'; user: string; label: string }
  | { kind: 'group'; user: string; group: string; text: string; mentioned: boolean };

export type Failure = 'rate_limited' | 'blocked' | 'rejected' | 'unavailable';

/** A moderation action as the platform saw it: the chat, and the member or message acted on. */
export interface ModerationRecord {
  action: ModerationAction;
  chatId: string;
  /** The member's id, or the message's platform id (deleteMessage). */
  target: string;
}

export interface ModerationHarness {
  /** A group the bot may moderate, a member in it and a message of theirs, with the ids the adapter reported. */
  group(): Promise<{ chatId: string; userId: string; platformMessageId: string }>;
  /** What the platform was asked to do so far, in order. */
  performed(): ModerationRecord[];
}

export interface ContractHarness {
  adapter: ChannelAdapter;
  /** The platform delivers the event; resolves with what the adapter handed to the engine. */
  deliver(event: CustomerEvent): Promise<InboundMessage[]>;
  /** Sends through the adapter to the user's private chat; resolves with what the customer sees. */
  show(user: string, message: OutboundMessage): Promise<{ text: string; choices: string[] }>;
  /** The platform fails the next send this way; absent where sends cannot fail (the API channel stores them). */
  failNext?(failure: Failure): void;
  /** Required where the adapter declares any moderation capability. */
  moderation?: ModerationHarness;
  close(): Promise<void>;
}

/** Each action with the capability that covers it. */
const MODERATION_ACTIONS: [ModerationAction, keyof typeof NO_MODERATION][] = [
  ['deleteMessage', 'deleteMessage'],
  ['restrictMember', 'restrictMember'],
  ['unrestrictMember', 'restrictMember'],
  ['removeMember', 'removeMember'],
  ['banMember', 'banMember'],
  ['unbanMember', 'banMember'],
];

/** Runs one action through moderatorOf (as features will), against the harness's group. */
function moderate(
  adapter: ChannelAdapter,
  action: ModerationAction,
  t: { chatId: string; userId: string; platformMessageId: string },
): Promise<void> {
  const m = moderatorOf(adapter);
  switch (action) {
    case 'deleteMessage':
      return m.deleteMessage(t.chatId, t.platformMessageId);
    case 'restrictMember':
      return m.restrictMember(t.chatId, t.userId, Date.now() + 3_600_000);
    case 'unrestrictMember':
      return m.unrestrictMember(t.chatId, t.userId);
    case 'removeMember':
      return m.removeMember(t.chatId, t.userId);
    case 'banMember':
      return m.banMember(t.chatId, t.userId, undefined);
    case 'unbanMember':
      return m.unbanMember(t.chatId, t.userId);
  }
}

export function adapterContract(name: string, open: () => Promise<ContractHarness>) {
  describe(`channel adapter contract: ${name}`, () => {
    let h: ContractHarness;
    beforeAll(async () => {
      h = await open();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('normalizes text: channel, private chat, sender, trimmed text, addressed', async () => {
      const [m] = await h.deliver({ kind: 'text', user: 'u-text', text: '  营业时间是几点?  ', id: 'text-1' });
      expect(m).toMatchObject({
        channel: h.adapter.channel,
        chatType: 'private',
        text: '营业时间是几点?',
        mentioned: true,
      });
      expect(m?.sender.id).toBeTruthy();
      expect(m?.chatId).toBeTruthy();
    });

    it('normalizes commands so the engine reads the name and arguments', async () => {
      const [m] = await h.deliver({ kind: 'command', user: 'u-cmd', command: 'birthday', args: '08-15' });
      expect(parseCommand(m?.text)).toEqual({ name: 'birthday', args: ['08-15'] });
    });

    it('renders buttons so the customer sees every choice, and a press comes back as its payload', async () => {
      const shown = await h.show('u-button', {
        text: 'Which one?',
        buttons: [
          { label: 'Latte', payload: 'faq:latte' },
          { label: 'Mocha', payload: 'faq:mocha' },
        ],
      });
      expect(shown.text).toContain('Which one?');
      expect(shown.choices.join(' ')).toMatch(/Latte/);
      expect(shown.choices.join(' ')).toMatch(/Mocha/);
      const [m] = await h.deliver({ kind: 'button', user: 'u-button', label: 'Mocha' });
      expect(m?.payload).toBe('faq:mocha');
    });

    it('gives a repeated delivery the same platform id, and another message another', async () => {
      const [first] = await h.deliver({ kind: 'text', user: 'u-dup', text: 'hello', id: 'dup-1' });
      const [again] = await h.deliver({ kind: 'text', user: 'u-dup', text: 'hello', id: 'dup-1' });
      const [other] = await h.deliver({ kind: 'text', user: 'u-dup', text: 'hello', id: 'dup-2' });
      expect(first?.platformMessageId).toBeTruthy();
      expect(again?.platformMessageId).toBe(first?.platformMessageId);
      expect(other?.platformMessageId).not.toBe(first?.platformMessageId);
    });

    it('marks group messages as groups and says whether they address the bot', async ({ skip }) => {
      if (!h.adapter.capabilities.groups) skip(`${name} has no group chats`);
      const quiet = await h.deliver({
        kind: 'group',
        user: 'u-g',
        group: 'g-1',
        text: 'morning all',
        mentioned: false,
      });
      const [asked] = await h.deliver({
        kind: 'group',
        user: 'u-g',
        group: 'g-1',
        text: 'open today?',
        mentioned: true,
      });
      // Chatter that does not address the bot is handed over as such, or not at all (WeChat keeps it out).
      for (const m of quiet) expect(m).toMatchObject({ chatType: 'group', mentioned: false, chatId: asked?.chatId });
      expect(asked).toMatchObject({ chatType: 'group', mentioned: true });
      expect(asked?.text).toContain('open today?');
    });

    it('maps platform failures to SendError: wait, unreachable, give up, retry', async ({ skip }) => {
      if (!h.failNext) skip(`${name} sends cannot fail (messages are stored for the client to fetch)`);
      const expectations: [Failure, (e: SendError) => void][] = [
        ['rate_limited', (e) => expect(e.retryAfterMs).toBeGreaterThan(0)],
        ['blocked', (e) => expect(e).toMatchObject({ unreachable: true, permanent: true })],
        ['rejected', (e) => expect(e).toMatchObject({ unreachable: false, permanent: true })],
        ['unavailable', (e) => expect(e).toMatchObject({ unreachable: false, permanent: false })],
      ];
      for (const [failure, check] of expectations) {
        h.failNext?.(failure);
        const error = await h.show('u-fail', { text: 'hi' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, failure).toBeInstanceOf(SendError);
        check(error as SendError);
      }
    });

    it('declares moderation capabilities that match the methods it has', () => {
      const declared = h.adapter.capabilities.moderation;
      for (const [action, capability] of MODERATION_ACTIONS) {
        expect(typeof h.adapter[action] === 'function', action).toBe(declared[capability]);
      }
      // Moderation happens in groups: a channel without them has none.
      if (!h.adapter.capabilities.groups) expect(declared).toEqual(NO_MODERATION);
    });

    it('refuses moderation it cannot do with ADAPTER_UNSUPPORTED, never silently', async ({ skip }) => {
      const declared = h.adapter.capabilities.moderation;
      const unsupported = MODERATION_ACTIONS.filter(([, capability]) => !declared[capability]);
      if (!unsupported.length) skip(`${name} supports every moderation action`);
      const target = h.moderation
        ? await h.moderation.group()
        : { chatId: 'chat-1', userId: 'user-1', platformMessageId: 'message-1' };
      const before = h.moderation?.performed().length ?? 0;
      for (const [action] of unsupported) {
        const error = await moderate(h.adapter, action, target).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, action).toBeInstanceOf(ModerationError);
        expect(error, action).toMatchObject({ code: 'ADAPTER_UNSUPPORTED' });
      }
      expect(h.moderation?.performed().length ?? 0).toBe(before);
    });

    it('carries out each moderation action it declares on the platform', async ({ skip }) => {
      const declared = h.adapter.capabilities.moderation;
      const supported = MODERATION_ACTIONS.filter(([, capability]) => declared[capability]);
      if (!supported.length) skip(`${name} supports no moderation`);
      const harness = h.moderation;
      if (!harness) throw new Error(`${name} declares moderation but its contract harness cannot observe it`);
      const target = await harness.group();
      for (const [action] of supported) {
        const before = harness.performed().length;
        await moderate(h.adapter, action, target);
        expect(harness.performed().slice(before), action).toEqual([
          {
            action,
            chatId: target.chatId,
            target: action === 'deleteMessage' ? target.platformMessageId : target.userId,
          },
        ]);
      }
    });
  });
}
