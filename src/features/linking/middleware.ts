// /link: a customer who writes from two apps joins them. /link gives a one-time code valid for
// 10 minutes; /link CODE from the other app merges the two customers into the one that sent the
// code (see merge.ts for what moves and how conflicts are settled).
import { randomInt } from 'node:crypto';
import type { Middleware } from '../../engine/composer.js';
import type { TurnContext } from '../../engine/context.js';
import { type Db, isUniqueViolation } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import { type MoveRows, mergeCustomers } from './merge.js';

export const LINK_CODE_MINUTES = 10;
/** No 0/O, 1/I/L: codes are read off one screen and typed on another. */
const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

export interface LinkOptions {
  db: Db;
  clock: Clock;
  /** Every feature's merge hook (FeatureHost.customersMerged). */
  moveRows: MoveRows;
}

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

/** A fresh code for the customer (their earlier codes stop working). */
export async function issueLinkCode(db: Db, customerId: string, now: Date): Promise<string> {
  await db.linkCode.deleteMany({ where: { customerId } });
  for (;;) {
    const code = newCode();
    try {
      await db.linkCode.create({
        data: { code, customerId, expiresAt: new Date(now.getTime() + LINK_CODE_MINUTES * 60_000), createdAt: now },
      });
      return code;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // another customer holds this code now: draw again
    }
  }
}

export function linkCommand(o: LinkOptions): Middleware<TurnContext> {
  return async (ctx, next) => {
    if (ctx.command?.name !== 'link') return next();
    if (ctx.isGroup) return ctx.reply(ctx.t('linkPrivateOnly'));
    const now = new Date(o.clock.now());
    const entered = ctx.command.args[0]?.toUpperCase();
    if (!entered) {
      const code = await issueLinkCode(o.db, ctx.customer.id, now);
      ctx.event('link_code_issued');
      return ctx.reply(ctx.t('linkCode', { code, minutes: LINK_CODE_MINUTES }));
    }
    const row = await o.db.linkCode.findUnique({ where: { code: entered } });
    if (!row || row.expiresAt <= now) return ctx.reply(ctx.t('linkInvalid'));
    if (row.customerId === ctx.customer.id) return ctx.reply(ctx.t('linkSameAccount'));
    // One use only: whoever deletes the code first merges.
    const taken = await o.db.linkCode.deleteMany({ where: { code: entered, expiresAt: { gt: now } } });
    if (taken.count !== 1) return ctx.reply(ctx.t('linkInvalid'));
    const merged = await mergeCustomers(o.db, o.moveRows, ctx.customer.id, row.customerId, now, 'link');
    const channels = [...new Set(merged.identities.map((i) => i.channel))].join(ctx.locale === 'en' ? ', ' : '、');
    ctx.event('customer_linked', { absorbedId: merged.absorbedId });
    ctx.reply(ctx.t('linkDone', { channels, balance: merged.pointsBalance }));
  };
}
