// Birthdays: the customer tells us the day (/birthday MM-DD, 生日 MM-DD); on that day, in the
// business's time zone, a daily job awards the birthday points once a year and wishes them well
// (marketing: a customer who opted out gets the points but no wish). The points and the wish are
// one transaction: a crash leaves neither (the next run does both) or both.
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { format } from '../../engine/i18n.js';
import { notifyIn, type Outreach } from '../../outbox/outreach.js';
import type { Db } from '../../store/index.js';
import type { Announce, Loyalty } from '../loyalty/index.js';

const daysIn = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** "8-15", "08/15", "8月15日" → "08-15"; anything that is not a day of the year → undefined. */
export function parseBirthday(text: string): string | undefined {
  const m = /^(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?$/.exec(text.trim());
  if (!m) return undefined;
  const month = Number(m[1]);
  const day = Number(m[2]);
  if (month < 1 || month > 12 || day < 1 || day > (daysIn[month - 1] ?? 0)) return undefined;
  return `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function birthdayCommand(db: Db, loyalty: Loyalty): Middleware<TurnContext> {
  return async (ctx, next) => {
    const spoken = /^生日\s+(.+)$/.exec(ctx.message.text?.trim() ?? '');
    if (ctx.command?.name !== 'birthday' && !spoken) return next();
    const birthday = parseBirthday(spoken?.[1] ?? ctx.command?.args.join(' ') ?? '');
    if (!birthday) {
      ctx.reply(ctx.t('birthdayUsage'));
      return;
    }
    await db.customer.update({ where: { id: ctx.customer.id }, data: { birthday } });
    const [month, day] = birthday.split('-').map(Number);
    ctx.reply(ctx.t('birthdaySet', { month: month ?? 0, day: day ?? 0, points: loyalty.settings.rules.birthday }));
    ctx.event('birthday_set', { birthday });
  };
}

export interface BirthdayJobOptions extends Outreach {
  loyalty: Loyalty;
}

/** Awards today's birthdays (once a year each) and wishes them a happy birthday; returns how many. */
export async function runBirthdays(o: BirthdayJobOptions): Promise<number> {
  const now = new Date(o.clock.now());
  const today = o.loyalty.dayOf(now); // YYYY-MM-DD in the business's time zone
  const monthDay = today.slice(5);
  const year = today.slice(0, 4);
  // 29 February birthdays are celebrated on 28 February in other years.
  const leap = Number(year) % 4 === 0 && (Number(year) % 100 !== 0 || Number(year) % 400 === 0);
  const days = monthDay === '02-28' && !leap ? ['02-28', '02-29'] : [monthDay];
  const customers = await o.db.customer.findMany({ where: { birthday: { in: days } }, select: { id: true } });
  let awarded = 0;
  for (const { id } of customers) {
    const key = `birthday:${id}:${year}`;
    const wish: Announce = (tx, award) =>
      notifyIn(tx, o, id, (l) => format(o.texts[l].birthdayGift, { points: award.entry.delta }), {
        purpose: 'marketing',
        kind: 'birthday',
        key,
        // Once a year, with points: past the frequency cap (quiet hours still hold it).
        priority: 'high',
        at: now,
      });
    const outcome = await o.loyalty.award(id, 'birthday', o.loyalty.settings.rules.birthday, key, undefined, wish);
    if (!outcome?.applied) continue;
    awarded++;
    o.onQueued(); // committed: the dispatcher may take the wish
  }
  return awarded;
}
