// One error type with a stable code; each boundary (HTTP, adapters, engine) maps it once.
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'KERNEL_DUPLICATE_FEATURE'
  | 'KERNEL_MISSING_DEPENDENCY'
  | 'KERNEL_SLOT_TWICE'
  | 'KERNEL_SLOT_UNPLACED'
  | 'HTTP_BAD_REQUEST'
  | 'HTTP_UNAUTHORIZED'
  | 'HTTP_FORBIDDEN'
  | 'HTTP_RATE_LIMITED'
  | 'HTTP_NOT_FOUND'
  | 'HTTP_CONFLICT'
  | 'ENGINE_INVALID_TEXT'
  | 'ADAPTER_SEND_FAILED'
  | ModerationErrorCode
  | 'LLM_FAILED'
  | 'POINTS_INSUFFICIENT'
  | 'POINTS_LIMIT'
  | 'REDEMPTION_USED'
  | 'REDEMPTION_CANCELLED'
  | 'REDEEM_REFUSED'
  /** A message the business starts (marketing) was not sent: the customer opted out (/stop). */
  | 'OPTED_OUT'
  /** … or the platform says the customer's account cannot be reached (blocked the bot). */
  | 'UNREACHABLE';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export class ConfigError extends AppError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}

/**
 * A channel could not deliver a message. `retryAfterMs` asks for a later retry; `unreachable`
 * says the recipient cannot be reached at all (blocked the bot); neither means a retry with backoff
 * unless `permanent` is set.
 */
export class SendError extends AppError {
  readonly permanent: boolean;
  readonly unreachable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    opts: { permanent?: boolean; unreachable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super('ADAPTER_SEND_FAILED', message, { cause: opts.cause });
    this.name = 'SendError';
    this.permanent = opts.permanent ?? opts.unreachable ?? false;
    this.unreachable = opts.unreachable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * Why a channel did not moderate (delete a message, restrict or remove a member):
 * UNSUPPORTED — the channel (or this chat, or the puppet) cannot do it at all;
 * FORBIDDEN — the bot lacks the rights (not an admin, not the room's owner, the target is an admin);
 * TOO_OLD — the message is past the platform's deadline (Telegram: 48 h);
 * NOT_FOUND — the chat, member or message is not there (any more);
 * INVALID — an id the platform cannot have issued;
 * UNAVAILABLE — the platform was unreachable or asked to wait (`retryAfterMs`): the only one worth a retry.
 */
export type ModerationErrorCode =
  | 'ADAPTER_UNSUPPORTED'
  | 'ADAPTER_FORBIDDEN'
  | 'ADAPTER_TOO_OLD'
  | 'ADAPTER_NOT_FOUND'
  | 'ADAPTER_INVALID'
  | 'ADAPTER_UNAVAILABLE';

export class ModerationError extends AppError {
  declare readonly code: ModerationErrorCode;
  readonly retryAfterMs: number | undefined;
  constructor(code: ModerationErrorCode, message: string, opts: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, { cause: opts.cause });
    this.name = 'ModerationError';
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
