// Telegram moderation through the Bot API (deleteMessage, restrictChatMember, banChatMember and
// unbanChatMember): the payloads the adapter sends, and what Telegram's refusals mean as coded errors.
// Pure: the adapter makes the calls.
import { TelegramError } from 'telegraf';
import { errorMessage, ModerationError } from '../../src/errors.js';

/** Telegram deletes a message for everyone only within 48 hours of its sending. */
export const DELETE_WINDOW_MS = 48 * 3_600_000;
/**
 * Telegram treats a restriction ending under 30 s or over 366 days from now as forever. A shorter one
 * is lengthened to 35 s (5 s for clock skew and transit) so it never becomes forever by accident.
 */
export const MIN_RESTRICT_MS = 35_000;
export const MAX_RESTRICT_MS = 366 * 24 * 3_600_000;
/** removeMember bans this long, then unbans: were the unban lost, the ban still lapses by itself. */
export const KICK_BAN_MS = 60_000;

/** Every ChatPermissions flag of Bot API 7+ (true for all of them lifts a restriction). */
const PERMISSION_FLAGS = [
  'can_send_messages',
  'can_send_audios',
  'can_send_documents',
  'can_send_photos',
  'can_send_videos',
  'can_send_video_notes',
  'can_send_voice_notes',
  'can_send_polls',
  'can_send_other_messages',
  'can_add_web_page_previews',
  'can_change_info',
  'can_invite_users',
  'can_pin_messages',
  'can_manage_topics',
] as const;

/** A restrictChatMember payload: everything forbidden (restrict) or everything allowed (lift). */
export function restrictPayload(chatId: string, userId: string, allowed: boolean, untilDate?: number): object {
  return {
    chat_id: numericId(chatId, 'chat'),
    user_id: numericId(userId, 'user'),
    permissions: Object.fromEntries(PERMISSION_FLAGS.map((flag) => [flag, allowed])),
    // Each flag means itself (otherwise can_send_polls etc. imply can_send_messages).
    use_independent_chat_permissions: true,
    ...(untilDate === undefined ? {} : { until_date: untilDate }),
  };
}

/** restrictChatMember's until_date (Unix seconds) for a restriction ending at `untilMs`; undefined = forever. */
export function untilDateOf(untilMs: number | undefined, now: number): number | undefined {
  if (untilMs === undefined || untilMs - now > MAX_RESTRICT_MS) return undefined;
  return Math.ceil(Math.max(untilMs, now + MIN_RESTRICT_MS) / 1000);
}

/** Telegram's ids are integers; ours are their decimal strings. */
export function numericId(value: string, what: 'chat' | 'user'): number {
  const id = /^-?\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    throw new ModerationError('ADAPTER_INVALID', `telegram: ${JSON.stringify(value)} is not a Telegram ${what} id`);
  }
  return id;
}

/** The message_id of `msg:<chat>:<message_id>` (the ids parse.ts gives), which must be in `chatId`. */
export function messageIdOf(chatId: string, platformMessageId: string): number {
  const match = /^msg:(-?\d+):(\d+)$/.exec(platformMessageId);
  if (!match || match[1] !== chatId) {
    throw new ModerationError(
      'ADAPTER_INVALID',
      `telegram: ${JSON.stringify(platformMessageId)} is not a message of chat ${chatId} (expected msg:${chatId}:<message_id>)`,
    );
  }
  return Number(match[2]);
}

const FORBIDDEN =
  /not enough rights|chat_admin_required|administrator rights|user is an administrator|can't remove chat owner|can't restrict self|message can't be deleted/i;
const UNSUPPORTED = /only for supergroups|supergroup and channel chats only|can't be used in private chats/i;
const NOT_FOUND = /not found|participant_id_invalid|user_not_participant|message_id_invalid|user_id_invalid/i;

/**
 * A failed moderation call as a coded error: 403 (kicked, not a member) and "not enough rights"
 * refusals → FORBIDDEN; a basic group where only supergroups can → UNSUPPORTED; a chat, user or
 * message that is not there → NOT_FOUND; other 400s → INVALID; 429 (with retry_after), a rejected
 * token, 5xx and network failures → UNAVAILABLE.
 */
export function moderationError(err: unknown, what: string, redact: (text: string) => string): ModerationError {
  const text = `telegram: ${what}: ${redact(errorMessage(err))}`;
  if (!(err instanceof TelegramError)) return new ModerationError('ADAPTER_UNAVAILABLE', text, { cause: err });
  const { code, description } = err;
  if (code === 429) {
    const seconds = err.parameters?.retry_after;
    return new ModerationError('ADAPTER_UNAVAILABLE', text, {
      ...(typeof seconds === 'number' && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
      cause: err,
    });
  }
  if (code === 403 || (code === 400 && FORBIDDEN.test(description))) {
    return new ModerationError('ADAPTER_FORBIDDEN', `${text} (the bot must be an admin with this right)`, {
      cause: err,
    });
  }
  if (code === 400 && UNSUPPORTED.test(description))
    return new ModerationError('ADAPTER_UNSUPPORTED', text, { cause: err });
  if (code === 400 && NOT_FOUND.test(description))
    return new ModerationError('ADAPTER_NOT_FOUND', text, { cause: err });
  if (code === 400) return new ModerationError('ADAPTER_INVALID', text, { cause: err });
  return new ModerationError('ADAPTER_UNAVAILABLE', text, { cause: err });
}

/** Telegram's "message can't be deleted": the bot's rights, or the message's age (or kind). */
export function cannotDelete(err: unknown): boolean {
  return err instanceof TelegramError && err.code === 400 && /message can't be deleted/i.test(err.description);
}

/** A getChatMember result: may this member delete others' messages? */
export function mayDeleteMessages(member: unknown): boolean {
  if (typeof member !== 'object' || member === null) return false;
  const m = member as { status?: unknown; can_delete_messages?: unknown };
  return m.status === 'creator' || (m.status === 'administrator' && m.can_delete_messages === true);
}
