import { type Logger, pino } from 'pino';

export type { Logger };

/** JSON lines for machines; readable lines when a person watches the terminal. */
export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY && !process.env.CI;
  return pino({
    level,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  });
}
