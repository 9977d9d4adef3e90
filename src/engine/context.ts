// What middleware sees and produces during one turn (one inbound message).
import type { Customer } from '../store/customers.js';
import type { PendingDialog } from '../store/generated/sqlite/client.js';
import { format, type Locale, type TextKey, type Texts } from './i18n.js';
import type { Button, InboundMessage, OutboundMessage } from './types.js';

export interface EngineEvent {
  kind: string;
  text?: string;
  payload?: Record<string, unknown>;
}

/**
 * A row a feature writes with the turn, in its transaction (a moderation decision): what it
 * records then commits with the replies it causes, without a write of its own on the message's path.
 */
export interface TurnRow {
  table: string;
  values: Record<string, string | number | boolean | Date | null>;
  /** A unique key whose conflict skips the row (a replayed turn's row is there already). */
  unique?: string[];
}

export interface ParsedCommand {
  /** Lower-case name without the slash or @BotName suffix. */
  name: string;
  args: string[];
}

/** Changes to the customer record, written with this turn's replies. */
export type CustomerPatch = Partial<Pick<Customer, 'locale' | 'optedOut' | 'displayName' | 'stage'>>;

export class TurnContext {
  readonly replies: OutboundMessage[] = [];
  readonly events: EngineEvent[] = [];
  readonly customerPatch: CustomerPatch = {};
  /** Rows features write with this turn (see TurnRow). */
  readonly rows: TurnRow[] = [];
  /** What the bot waits for in this chat (a survey answer…), loaded with the message. */
  dialogs: PendingDialog[] = [];

  constructor(
    readonly message: InboundMessage,
    readonly customer: Customer,
    readonly isNewCustomer: boolean,
    public locale: Locale,
    readonly command: ParsedCommand | undefined,
    private readonly texts: Texts,
    readonly businessName: Record<Locale, string>,
  ) {}

  get isGroup(): boolean {
    return this.message.chatType === 'group';
  }

  /** In groups only messages that address the bot (mention, reply, command) get an answer. */
  get addressed(): boolean {
    return !this.isGroup || this.message.mentioned || this.command !== undefined;
  }

  t(key: TextKey, vars: Record<string, string | number> = {}): string {
    const name = this.customer.displayName ?? this.message.sender.name;
    const nameVar = name ? (this.locale === 'en' ? `, ${name}` : `，${name}`) : '';
    return format(this.texts[this.locale][key], { name: nameVar, business: this.businessName[this.locale], ...vars });
  }

  reply(text: string, buttons?: Button[]): void {
    this.replies.push(buttons?.length ? { text, buttons } : { text });
  }

  event(kind: string, payload?: Record<string, unknown>, text?: string): void {
    this.events.push({ kind, ...(payload ? { payload } : {}), ...(text ? { text } : {}) });
  }
}

/**
 * Words people send to unsubscribe, as SMS taught them (退订, TD, unsubscribe): the whole message,
 * perhaps with a full stop or an exclamation mark, means /stop.
 */
const STOP_WORDS = /^(?:退订|td|unsubscribe)[.。!！]?$/i;

/** "/Lang@RapportBot en" → { name: 'lang', args: ['en'] }; a stop word → stop; anything else → undefined. */
export function parseCommand(text: string | undefined): ParsedCommand | undefined {
  if (text && STOP_WORDS.test(text.trim())) return { name: 'stop', args: [] };
  const match = text?.trim().match(/^\/([A-Za-z][\w]{0,31})(?:@\w+)?(?:\s+([\s\S]*))?$/);
  if (!match?.[1]) return undefined;
  const rest = match[2]?.trim();
  const name = match[1].toLowerCase();
  // /unsubscribe is another name for /stop.
  return { name: name === 'unsubscribe' ? 'stop' : name, args: rest ? rest.split(/\s+/) : [] };
}
