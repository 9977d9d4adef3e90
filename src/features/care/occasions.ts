// The care occasions of one day (RAPPORT_CONFIG outreach.occasions), run by the daily job. Each
// selects only what is due that day through an index, in batches, and sends through the one
// outreach path as marketing (no message after /stop, quiet hours, the frequency cap). Each
// message has a key naming its occasion instance, so a second run, or a second instance, sends
// nothing more:
//   purchase follow-up   Purchase(at) on the day afterDays ago    purchase_followup:<customer>:<day>
//   ticket follow-up     Ticket(status, resolvedAt) likewise      ticket_followup:<ticket>
//   holidays             every customer, on the holiday's date     holiday:<holiday>:<year>:<customer>
//   win-back             stage at_risk (stage, lastSeenAt)          winback:<customer>:<last active day>
//   points expiring      PointsEntry(expiryDone, expiresAt)         points_expiring:<customer>:<expiry day>
//   anniversary          Customer(createdAt) on this day, n years  anniversary:<customer>:<year>

import type { Logger } from 'pino';
import { format } from '../../engine/i18n.js';
import { AppError } from '../../errors.js';
import type { Localized } from '../../kernel/feature.js';
import { notifyIn, type Outreach } from '../../outbox/outreach.js';
import type { BatchItem } from '../../outbox/outreach-batch.js';
import { marketingBatch } from '../../outbox/outreach-batch.js';
import { type Db, Prisma } from '../../store/index.js';
import { customerPages } from '../../store/keyset.js';
import { customerLocale } from '../../store/notify.js';
import { addDays, dayIn, isLeap, startOfDay, yearsBefore } from '../../util/zoned-day.js';
import type { Surveys } from '../feedback/index.js';
import type { Loyalty } from '../loyalty/index.js';
import { HOLIDAY_AUDIENCE, type HolidayId, type HolidayOverrides, holidaysOn } from './holidays.js';
import { HOLIDAY_TEXTS, type OccasionsSettings } from './settings.js';

const BATCH = 500;

export interface CareOptions {
  db: Db;
  /** Where the wide reads go (the ledger replays of expiring points). */
  reads: Db;
  outreach: Outreach;
  settings: OccasionsSettings;
  timezone: string;
  businessName: Localized;
  loyalty?: Loyalty;
  surveys?: Surveys;
  logger: Logger;
}

/** What one day's run did, by occasion: messages queued or held. */
export type CareReport = Record<
  'purchaseFollowUp' | 'ticketFollowUp' | 'holidays' | 'winBack' | 'pointsExpiring' | 'anniversary',
  number
>;

export class Care {
  constructor(private readonly o: CareOptions) {}

  private now(): Date {
    return new Date(this.o.outreach.clock.now());
  }

  /** The holidays' dates for a year: the admin table wins over settings, settings over the calendar. */
  async overrides(): Promise<HolidayOverrides> {
    const rows = await this.o.db.holidayOverride.findMany();
    return { ...this.o.settings.holidays.dates, ...Object.fromEntries(rows.map((r) => [r.key, r.date])) };
  }

  async runDay(): Promise<CareReport> {
    const s = this.o.settings;
    const now = this.now();
    const today = dayIn(now, this.o.timezone);
    const report: CareReport = {
      purchaseFollowUp: s.purchaseFollowUp.enabled ? await this.purchaseFollowUps(today, now) : 0,
      ticketFollowUp: s.ticketFollowUp.enabled ? await this.ticketFollowUps(today, now) : 0,
      holidays: s.holidays.enabled ? await this.holidays(today, now) : 0,
      winBack: s.winBack.enabled ? await this.winBack(now) : 0,
      pointsExpiring: s.pointsExpiring.enabled && this.o.loyalty ? await this.pointsExpiring(now) : 0,
      anniversary: s.anniversary.enabled ? await this.anniversaries(today, now) : 0,
    };
    this.o.logger.info({ report, day: today }, 'care occasions sent');
    return report;
  }

  /** The moments a local day spans: [start, end). */
  private span(day: string) {
    return { gte: startOfDay(day, this.o.timezone), lt: startOfDay(addDays(day, 1), this.o.timezone) };
  }

  /** Fills a text's variables for these customers (their tiers read at once). */
  private async filler(ids: readonly string[]): Promise<Fill> {
    const tierOf = this.o.loyalty ? await this.o.loyalty.tiersOf(ids) : new Map<string, { name: Localized }>();
    return (template, extra = {}) =>
      (customerId) =>
      (locale, c) =>
        format(template[locale], {
          name: c.displayName ? (locale === 'en' ? `, ${c.displayName}` : `，${c.displayName}`) : '',
          business: this.o.businessName[locale],
          points: c.pointsBalance,
          tier: tierOf.get(customerId)?.name[locale] ?? '',
          ...extra,
        });
  }

  /** Sends one batch as marketing of `kind`; returns how many were queued or held. */
  private async send(items: BatchItem[], kind: string, at: Date): Promise<number> {
    let sent = 0;
    for (let i = 0; i < items.length; i += BATCH) {
      const chunk = items.slice(i, i + BATCH);
      const outcome = await this.o.db.$transaction((tx) => marketingBatch(tx, this.o.outreach, chunk, { kind, at }));
      const n = [...outcome.values()].filter((v) => v === 'queued' || v === 'held').length;
      if (n) this.o.outreach.onQueued();
      sent += n;
    }
    return sent;
  }

  private async purchaseFollowUps(today: string, now: Date): Promise<number> {
    const { afterDays, text } = this.o.settings.purchaseFollowUp;
    const day = addDays(today, -afterDays);
    const buyers = await this.o.db.purchase.findMany({
      where: { at: this.span(day) },
      distinct: ['customerId'],
      select: { customerId: true },
    });
    let sent = 0;
    for (const { customerId } of buyers) {
      const key = `purchase_followup:${customerId}:${day}`;
      const vars = { days: afterDays };
      if (this.o.surveys) {
        // A CSAT question with its rating buttons; the answer lands like any survey's.
        const locale = await customerLocale(this.o.db, customerId, this.o.outreach.defaultLocale);
        const customer = await this.o.db.customer.findUnique({
          where: { id: customerId },
          select: { displayName: true, pointsBalance: true },
        });
        if (!customer) continue;
        const fill = await this.filler([customerId]);
        const question = fill(text, vars)(customerId)(locale, customer);
        const texts = this.o.outreach.texts[locale];
        const result = await this.o.surveys
          .send(customerId, 'csat', 'followup', (k) => (k === 'surveyCsat' ? question : texts[k]), key)
          // No chat to ask in (a purchase from the till by someone who never wrote): nobody to follow
          // up with here, and no reason to stop the others' follow-ups.
          .catch((err: unknown) => {
            if (err instanceof AppError && err.code === 'HTTP_CONFLICT') return null;
            throw err;
          });
        if (result?.status === 'queued' || result?.status === 'held') {
          sent++;
          this.o.outreach.onQueued();
        }
      } else {
        const fill = await this.filler([customerId]);
        sent += await this.send([{ customerId, key, text: fill(text, vars)(customerId) }], 'purchase_followup', now);
      }
    }
    return sent;
  }

  private async ticketFollowUps(today: string, now: Date): Promise<number> {
    const { afterDays, text } = this.o.settings.ticketFollowUp;
    const tickets = await this.o.db.ticket.findMany({
      where: { status: 'resolved', resolvedAt: this.span(addDays(today, -afterDays)) },
      select: { id: true, customerId: true },
    });
    const fill = await this.filler(tickets.map((t) => t.customerId));
    const make = fill(text, { days: afterDays });
    return this.send(
      tickets.map((t) => ({ customerId: t.customerId, key: `ticket_followup:${t.id}`, text: make(t.customerId) })),
      'ticket_followup',
      now,
    );
  }

  private async holidays(today: string, now: Date): Promise<number> {
    const { include, texts } = this.o.settings.holidays;
    const due = holidaysOn(today, await this.overrides()).filter((h) => include.includes(h));
    let sent = 0;
    for (const holiday of due)
      sent += await this.holiday(holiday, texts[holiday] ?? HOLIDAY_TEXTS[holiday], today, now);
    return sent;
  }

  /** One holiday's greeting to every customer who did not opt out (Christmas: English readers). */
  private async holiday(holiday: HolidayId, text: Localized, today: string, now: Date): Promise<number> {
    const year = today.slice(0, 4);
    let sent = 0;
    for await (const page of customerPages(this.o.db, Prisma.sql`c."optedOut" = false`, 'createdAt', BATCH)) {
      const ids = page.map((r) => r.id);
      const make = (await this.filler(ids))(text);
      sent += await this.send(
        ids.map((id) => ({
          customerId: id,
          key: `holiday:${holiday}:${year}:${id}`,
          text: make(id),
          ...(HOLIDAY_AUDIENCE[holiday] === 'en' ? { only: 'en' as const } : {}),
        })),
        'holiday',
        now,
      );
    }
    return sent;
  }

  private async winBack(now: Date): Promise<number> {
    const { points, text } = this.o.settings.winBack;
    let sent = 0;
    for await (const page of customerPages(this.o.db, Prisma.sql`c."stage" = 'at_risk'`, 'lastSeenAt', BATCH)) {
      const rows = await this.o.db.customer.findMany({
        where: { id: { in: page.map((r) => r.id) }, stage: 'at_risk' },
        select: { id: true, lastSeenAt: true, lastPurchaseAt: true },
      });
      // One win-back per lapse: the key names the day they were last active.
      const keyOf = (r: (typeof rows)[number]) => {
        const last = r.lastPurchaseAt && r.lastPurchaseAt > r.lastSeenAt ? r.lastPurchaseAt : r.lastSeenAt;
        return `winback:${r.id}:${dayIn(last, this.o.timezone)}`;
      };
      const fill = await this.filler(rows.map((r) => r.id));
      if (points > 0 && this.o.loyalty) {
        for (const r of rows) sent += await this.gift(r.id, 'winback', points, keyOf(r), text, {}, fill);
      } else {
        const make = fill(text, { bonus: 0 });
        sent += await this.send(
          rows.map((r) => ({ customerId: r.id, key: keyOf(r), text: make(r.id) })),
          'winback',
          now,
        );
      }
    }
    return sent;
  }

  /** Points and the message that announces them, one transaction (both or neither), once per key. */
  private async gift(
    customerId: string,
    reason: string,
    points: number,
    key: string,
    text: Localized,
    extra: Record<string, string | number>,
    fill: Fill,
  ): Promise<number> {
    const loyalty = this.o.loyalty as Loyalty;
    const customer = await this.o.db.customer.findUnique({ where: { id: customerId }, select: { displayName: true } });
    if (!customer) return 0;
    const make = fill(text, { ...extra, bonus: points })(customerId);
    let told = false;
    const outcome = await loyalty.award(customerId, reason, points, key, undefined, async (tx, award) => {
      const sent = await notifyIn(
        tx,
        this.o.outreach,
        customerId,
        (locale) => make(locale, { displayName: customer.displayName, pointsBalance: award.balance }),
        { purpose: 'marketing', kind: reason, key },
      );
      told = sent.status === 'queued' || sent.status === 'held';
    });
    if (outcome?.applied && told) this.o.outreach.onQueued();
    return told ? 1 : 0;
  }

  private async pointsExpiring(now: Date): Promise<number> {
    const { withinDays, text } = this.o.settings.pointsExpiring;
    const loyalty = this.o.loyalty as Loyalty;
    const until = new Date(now.getTime() + withinDays * 86_400_000);
    // Lots not dealt with whose time comes within the window, in the (expiryDone, expiresAt) index's order.
    const lots = await this.o.reads.pointsEntry.findMany({
      where: { expiryDone: false, expiresAt: { gt: now, lte: until } },
      orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
      select: { customerId: true, expiresAt: true },
    });
    const first = new Map<string, Date>();
    for (const lot of lots) if (lot.expiresAt && !first.has(lot.customerId)) first.set(lot.customerId, lot.expiresAt);
    const items: BatchItem[] = [];
    const fill = await this.filler([...first.keys()]);
    for (const [customerId, expiresAt] of first) {
      const expiring = await loyalty.expiringUntil(customerId, until);
      if (expiring <= 0) continue; // spent already
      const date = dayIn(expiresAt, this.o.timezone);
      const make = fill(text, { expiring, date })(customerId);
      items.push({ customerId, key: `points_expiring:${customerId}:${date}`, text: make, priority: 'high' });
    }
    return this.send(items, 'points_expiring', now);
  }

  private async anniversaries(today: string, now: Date): Promise<number> {
    const { points, text } = this.o.settings.anniversary;
    const oldest = await this.o.db.customer.findFirst({ orderBy: { createdAt: 'asc' }, select: { createdAt: true } });
    if (!oldest) return 0;
    const oldestYear = Number(dayIn(oldest.createdAt, this.o.timezone).slice(0, 4));
    const year = Number(today.slice(0, 4));
    let sent = 0;
    for (let years = 1; year - years >= oldestYear; years++) {
      const day = yearsBefore(today, years);
      // In a year without 29 February, those who joined on one are celebrated on the 28th.
      const spans = [this.span(day)];
      const joinYear = year - years;
      if (today.endsWith('-02-28') && !isLeap(year) && isLeap(joinYear)) spans.push(this.span(`${joinYear}-02-29`));
      for (const span of spans) {
        const joined = await this.o.db.customer.findMany({
          where: { createdAt: span, optedOut: false },
          select: { id: true },
        });
        const ids = joined.map((c) => c.id);
        const fill = await this.filler(ids);
        if (points > 0 && this.o.loyalty) {
          for (const id of ids)
            sent += await this.gift(id, 'anniversary', points, `anniversary:${id}:${year}`, text, { years }, fill);
        } else {
          const make = fill(text, { years, bonus: 0 });
          sent += await this.send(
            ids.map((id) => ({ customerId: id, key: `anniversary:${id}:${year}`, text: make(id) })),
            'anniversary',
            now,
          );
        }
      }
    }
    return sent;
  }
}

/** A text with its variables filled, for a customer, in a language. */
type Fill = (template: Localized, extra?: Record<string, string | number>) => (customerId: string) => BatchItem['text'];
