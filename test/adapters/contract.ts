// The contract every channel adapter keeps, as one suite each adapter's test runs against its own
// platform (or protocol-level fake): normalization of text, commands, buttons and group mentions,
// stable platform ids for repeated deliveries, rendering of buttons, and error mapping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter } from '../../src/engine/channel.js';
import { parseCommand } from '../../src/engine/context.js';
import type { InboundMessage, OutboundMessage } from '../../src/engine/types.js';
import { SendError } from '../../src/errors.js';

/** Something a customer does on the platform. */
export type CustomerEvent =
  | { kind: 'text'; user: string; text: string; id: string }
  | { kind: 'command'; user: string; command: string; args?: string }
  /** Pressing the button with this label on the last message shown to the user. */
  | { kind: 'button'; user: string; label: string }
  | { kind: 'group'; user: string; group: string; text: string; mentioned: boolean };

export type Failure = 'rate_limited' | 'blocked' | 'rejected' | 'unavailable';

export interface ContractHarness {
  adapter: ChannelAdapter;
  /** The platform delivers the event; resolves with what the adapter handed to the engine. */
  deliver(event: CustomerEvent): Promise<InboundMessage[]>;
  /** Sends through the adapter to the user's private chat; resolves with what the customer sees. */
  show(user: string, message: OutboundMessage): Promise<{ text: string; choices: string[] }>;
  /** The platform fails the next send this way; absent where sends cannot fail (the API channel stores them). */
  failNext?(failure: Failure): void;
  close(): Promise<void>;
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
  });
}
