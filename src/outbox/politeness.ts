// The manners of every marketing message (RAPPORT_CONFIG outreach.*), applied where such messages
// are queued (./outreach.ts), so no feature can forget them:
// - quiet hours in BUSINESS_TIMEZONE: a message queued between start and end is held (a HeldMessage
//   row, in no channel's outbox) and released at end by the outreach-release job, which checks the
//   opt-out again;
// - a frequency cap: at most `messages` marketing messages to a customer in any `days` days, counted
//   from MarketingSend; messages with priority "high" (points about to expire, a tier reached) pass.
import type { Db, Tx } from '../store/index.js';

export interface QuietHours {
  /** "21:00" */
  start: string;
  /** "09:00": earlier than start means past midnight. */
  end: string;
}

export interface Politeness {
  quietHours: QuietHours | false;
  frequencyCap: { messages: number; days: number } | false;
  timezone: string;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const DAY_MINUTES = 24 * 60;

const formats = new Map<string, Intl.DateTimeFormat>();

/** The minute of the day (0–1439) at a moment in a time zone. */
export function localMinute(at: Date, timezone: string): number {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return (Number(parts.hour) % 24) * 60 + Number(parts.minute);
}

/** When a message queued at `at` may be delivered: null now, else the end of the quiet hours it falls in. */
export function quietUntil(at: Date, quiet: QuietHours | false, timezone: string): Date | null {
  if (!quiet) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const now = localMinute(at, timezone);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const wait = (end - now + DAY_MINUTES) % DAY_MINUTES;
  const minuteStart = at.getTime() - (at.getTime() % 60_000);
  let release = new Date(minuteStart + wait * 60_000);
  // A daylight-saving change within the wait moves the local clock: land on `end` all the same.
  const landed = localMinute(release, timezone);
  if (landed !== end) {
    let shift = end - landed;
    if (shift > DAY_MINUTES / 2) shift -= DAY_MINUTES;
    if (shift < -DAY_MINUTES / 2) shift += DAY_MINUTES;
    release = new Date(release.getTime() + shift * 60_000);
  }
  return release;
}

/** Whether the frequency cap refuses another marketing message to this customer at `at`. */
export async function capReached(tx: Db | Tx, customerId: string, polite: Politeness, at: Date): Promise<boolean> {
  const cap = polite.frequencyCap;
  if (!cap) return false;
  const recent = await tx.marketingSend.count({
    where: { customerId, at: { gt: new Date(at.getTime() - cap.days * 86_400_000) } },
  });
  return recent >= cap.messages;
}
