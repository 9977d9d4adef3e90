// The business's staffed hours (RAPPORT_CONFIG escalation.businessHours, in BUSINESS_TIMEZONE):
// what a customer is promised when they are handed to a person.
import type { Locale } from '../../engine/i18n.js';

export interface DayHours {
  /** "09:00" */
  open: string;
  /** "21:00"; earlier than open means past midnight. */
  close: string;
}

export interface HoursSettings extends DayHours {
  /** The days with the default hours: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Other hours on some weekdays ("6": { open: "10:00", close: "16:00" }), or "closed". */
  perDay?: Partial<Record<string, DayHours | 'closed'>>;
  /** Dates staff do not work ("2026-10-01"), whatever the weekday. */
  holidays?: string[];
}

const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const DAY_MS = 24 * 60 * 60_000;

interface Local {
  /** YYYY-MM-DD */
  date: string;
  day: number;
  minute: number;
}

export class BusinessHours {
  private readonly parts: Intl.DateTimeFormat;
  private readonly holidays: Set<string>;

  constructor(
    private readonly settings: HoursSettings,
    private readonly timezone: string,
  ) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    this.holidays = new Set(settings.holidays ?? []);
  }

  /** "09:00–21:00": the usual hours. */
  get range(): string {
    return `${this.settings.open}–${this.settings.close}`;
  }

  /** The hours of a weekday (no holiday considered), or null when closed that weekday. */
  hoursOn(weekday: number): { open: number; close: number } | null {
    const special = this.settings.perDay?.[String(weekday)];
    if (special === 'closed') return null;
    const hours = special ?? (this.settings.days.includes(weekday) ? this.settings : undefined);
    return hours ? { open: minutesOf(hours.open), close: minutesOf(hours.close) } : null;
  }

  /** The local date, weekday and minute of the day at a moment. */
  private local(at: Date): Local {
    const p = Object.fromEntries(this.parts.formatToParts(at).map((x) => [x.type, x.value]));
    return {
      date: `${p.year}-${p.month}-${p.day}`,
      day: weekdays[p.weekday ?? ''] ?? 1,
      minute: Number(p.hour) * 60 + Number(p.minute),
    };
  }

  /** The hours of a local date: null on a holiday or a closed weekday. */
  private hoursOnDate(local: Pick<Local, 'date' | 'day'>): { open: number; close: number } | null {
    return this.holidays.has(local.date) ? null : this.hoursOn(local.day);
  }

  isOpen(at: Date): boolean {
    const now = this.local(at);
    const today = this.hoursOnDate(now);
    if (today) {
      if (today.open < today.close) {
        if (now.minute >= today.open && now.minute < today.close) return true;
      } else if (now.minute >= today.open) {
        return true;
      }
    }
    // Past midnight: the early hours belong to the previous day's opening.
    const yesterday = this.hoursOnDate(this.local(new Date(at.getTime() - DAY_MS)));
    return yesterday !== null && yesterday.close < yesterday.open && now.minute < yesterday.close;
  }

  /** The next moment staff start work (now, if open). */
  nextOpening(at: Date): Date {
    if (this.isOpen(at)) return at;
    const { minute } = this.local(at);
    // Local midnight as an instant (time zones with daylight saving may be off by that hour).
    const midnight = at.getTime() - (at.getTime() % 60_000) - minute * 60_000;
    // Holidays can close more than a week in a row: look a year ahead.
    for (let ahead = 0; ahead <= 366; ahead++) {
      const dayStart = midnight + ahead * DAY_MS;
      const hours = this.hoursOnDate(this.local(new Date(dayStart + 12 * 60 * 60_000)));
      if (!hours) continue;
      const candidate = dayStart + hours.open * 60_000;
      if (candidate > at.getTime()) return new Date(candidate);
    }
    return new Date(midnight + 367 * DAY_MS); // the settings' validation keeps at least one day open
  }

  /** "周二 09:00" / "Tue 09:00" in the business's time zone. */
  formatOpening(at: Date, locale: Locale): string {
    return new Intl.DateTimeFormat(locale, {
      timeZone: this.timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(at);
  }
}
