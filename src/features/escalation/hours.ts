// The business's staffed hours (RAPPORT_CONFIG escalation.businessHours, in BUSINESS_TIMEZONE):
// what a customer is promised when they are handed to a person.
import type { Locale } from '../../engine/i18n.js';

export interface HoursSettings {
  /** "09:00" */
  open: string;
  /** "21:00"; earlier than open means past midnight. */
  close: string;
  /** 1 = Monday … 7 = Sunday */
  days: number[];
}

const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export class BusinessHours {
  private readonly parts: Intl.DateTimeFormat;
  private readonly openAt: number;
  private readonly closeAt: number;

  constructor(
    private readonly settings: HoursSettings,
    private readonly timezone: string,
  ) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    this.openAt = minutesOf(settings.open);
    this.closeAt = minutesOf(settings.close);
  }

  /** "09:00–21:00" */
  get range(): string {
    return `${this.settings.open}–${this.settings.close}`;
  }

  /** The local weekday and minute of the day at a moment. */
  private local(at: Date): { day: number; minute: number } {
    const p = Object.fromEntries(this.parts.formatToParts(at).map((x) => [x.type, x.value]));
    return { day: weekdays[p.weekday ?? ''] ?? 1, minute: Number(p.hour) * 60 + Number(p.minute) };
  }

  isOpen(at: Date): boolean {
    const { day, minute } = this.local(at);
    const { days } = this.settings;
    if (this.openAt < this.closeAt) return days.includes(day) && minute >= this.openAt && minute < this.closeAt;
    // Past midnight: the early hours belong to the previous day's opening.
    const previous = day === 1 ? 7 : day - 1;
    return (days.includes(day) && minute >= this.openAt) || (days.includes(previous) && minute < this.closeAt);
  }

  /** The next moment staff start work (now, if open). */
  nextOpening(at: Date): Date {
    if (this.isOpen(at)) return at;
    const { day, minute } = this.local(at);
    // Local midnight as an instant (time zones with daylight saving may be off by that hour).
    const midnight = at.getTime() - (at.getTime() % 60_000) - minute * 60_000;
    for (let ahead = 0; ahead <= 7; ahead++) {
      const weekday = ((day - 1 + ahead) % 7) + 1;
      if (!this.settings.days.includes(weekday)) continue;
      const candidate = midnight + (ahead * 24 * 60 + this.openAt) * 60_000;
      if (candidate > at.getTime()) return new Date(candidate);
    }
    return new Date(midnight + (7 * 24 * 60 + this.openAt) * 60_000); // only the days setting prevents sooner
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
