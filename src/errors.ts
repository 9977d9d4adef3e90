// One error type with a stable code; each boundary (HTTP, adapters, engine) maps it once.
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'HTTP_BAD_REQUEST'
  | 'HTTP_UNAUTHORIZED'
  | 'HTTP_FORBIDDEN'
  | 'HTTP_RATE_LIMITED'
  | 'HTTP_NOT_FOUND'
  | 'HTTP_CONFLICT'
  | 'ENGINE_INVALID_TEXT'
  | 'ADAPTER_SEND_FAILED'
  | 'LLM_FAILED'
  | 'POINTS_INSUFFICIENT'
  | 'POINTS_LIMIT'
  | 'REDEMPTION_USED'
  | 'REDEMPTION_CANCELLED'
  | 'REDEEM_REFUSED';

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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
