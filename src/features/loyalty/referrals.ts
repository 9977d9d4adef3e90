// Referrals: every customer has a short code (/invite); a new customer who sends it (/ref CODE)
// earns points, and so does the one who invited them, once: the referee is unique.
import { randomInt } from 'node:crypto';
import { type Db, isUniqueViolation } from '../../store/index.js';
import type { Clock } from '../../util/clock.js';
import { appendInTx } from './ledger.js';
import type { Loyalty } from './service.js';

const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Only customers this new may enter a code: a referral brings in someone who was not here. */
export const NEW_CUSTOMER_DAYS = 14;

export type ReferralOutcome =
  | { ok: true; refereePoints: number; referrerPoints: number; referrerId: string }
  | { ok: false; reason: 'unknown' | 'self' | 'already' | 'not-new' };

export class Referrals {
  constructor(
    private readonly db: Db,
    private readonly loyalty: Loyalty,
    private readonly clock: Clock,
  ) {}

  /** The customer's code, made on first request. */
  async codeFor(customerId: string): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.db.customer.findUniqueOrThrow({
        where: { id: customerId },
        select: { referralCode: true },
      });
      if (current.referralCode) return current.referralCode;
      const code = Array.from({ length: 6 }, () => alphabet[randomInt(alphabet.length)]).join('');
      try {
        await this.db.customer.updateMany({
          where: { id: customerId, referralCode: null },
          data: { referralCode: code },
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // another customer has it: draw again
      }
    }
    throw new Error('could not make a referral code');
  }

  async enter(refereeId: string, rawCode: string): Promise<ReferralOutcome> {
    const code = rawCode.trim().toUpperCase();
    const referrer = await this.db.customer.findUnique({ where: { referralCode: code }, select: { id: true } });
    if (!referrer) return { ok: false, reason: 'unknown' };
    if (referrer.id === refereeId) return { ok: false, reason: 'self' };
    const referee = await this.db.customer.findUniqueOrThrow({
      where: { id: refereeId },
      select: { createdAt: true, _count: { select: { purchases: true } } },
    });
    if (await this.db.referral.findUnique({ where: { refereeId } })) return { ok: false, reason: 'already' };
    const now = new Date(this.clock.now());
    if (referee._count.purchases > 0 || now.getTime() - referee.createdAt.getTime() > NEW_CUSTOMER_DAYS * 86_400_000) {
      return { ok: false, reason: 'not-new' };
    }
    const { referrer: forReferrer, referee: forReferee } = this.loyalty.settings.rules.referral;
    const expiresAt = this.loyalty.expiryFor(now);
    try {
      await this.db.$transaction(async (tx) => {
        await tx.referral.create({ data: { referrerId: referrer.id, refereeId, createdAt: now } });
        const meta = { referrerId: referrer.id, refereeId };
        if (forReferee > 0) {
          await appendInTx(tx, {
            customerId: refereeId,
            kind: 'award',
            delta: forReferee,
            reason: 'referral',
            idempotencyKey: `referral:referee:${refereeId}`,
            expiresAt,
            meta,
            at: now,
          });
        }
        if (forReferrer > 0) {
          await appendInTx(tx, {
            customerId: referrer.id,
            kind: 'award',
            delta: forReferrer,
            reason: 'referral',
            idempotencyKey: `referral:referrer:${refereeId}`,
            expiresAt,
            meta,
            at: now,
          });
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, reason: 'already' };
      throw err;
    }
    return { ok: true, refereePoints: forReferee, referrerPoints: forReferrer, referrerId: referrer.id };
  }
}
