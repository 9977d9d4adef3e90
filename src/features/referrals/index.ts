// Referrals: /invite shows the customer's code, /ref CODE (邀请码 CODE) enters a friend's; both
// sides earn loyalty.rules.referral points, at the code or at the referee's first purchase.
import { defineFeature } from '../../kernel/feature.js';
import { onOff } from '../../kernel/settings.js';
import type { Tx } from '../../store/index.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { referralCommands } from './middleware.js';
import { Referrals } from './referrals.js';
import { referralTexts } from './texts.js';

/**
 * A customer is referred once: if both were, the survivor's referral stays. The survivor keeps its
 * own code, else takes the other's (the absorbed record gives it up first: codes are unique).
 */
async function mergeReferrals(tx: Tx, survivorId: string, absorbedId: string): Promise<void> {
  const referred = await tx.referral.count({ where: { refereeId: { in: [survivorId, absorbedId] } } });
  if (referred === 2) await tx.referral.deleteMany({ where: { refereeId: absorbedId } });
  await tx.referral.updateMany({ where: { refereeId: absorbedId }, data: { refereeId: survivorId } });
  await tx.referral.updateMany({ where: { referrerId: absorbedId }, data: { referrerId: survivorId } });
  const [survivor, absorbed] = await Promise.all(
    [survivorId, absorbedId].map((id) =>
      tx.customer.findUniqueOrThrow({ where: { id }, select: { referralCode: true } }),
    ),
  );
  if (!survivor?.referralCode && absorbed?.referralCode) {
    await tx.customer.update({ where: { id: absorbedId }, data: { referralCode: null } });
    await tx.customer.update({ where: { id: survivorId }, data: { referralCode: absorbed.referralCode } });
  }
}

export const referralsFeature = defineFeature({
  name: 'referrals',
  summary: 'Invite codes: points for the friend who joins and for the one who invited them',
  dependsOn: ['loyalty'],
  settings: { key: 'referrals', schema: onOff },
  texts: referralTexts,
  slots: ['referrals'],
  commands: [{ name: 'invite', describe: { 'zh-CN': '邀请好友得积分', en: 'invite friends for points' } }],
  onCustomersMerged: mergeReferrals,
  setup(host) {
    const { loyalty, afterPurchase } = host.use(loyaltyFeature);
    const referrals = new Referrals(host.outreach, loyalty);
    // Also after a repeated report: a referral left unpaid by a crash is paid (and told) by the retry.
    afterPurchase(async (customerId) => {
      const payout = await referrals.settle(customerId);
      if (!payout) return undefined;
      const { referrerId, refereePoints, referrerPoints, capped } = payout;
      return { referral: { referrerId, refereePoints, referrerPoints, capped } };
    });
    return {
      middleware: {
        referrals: referralCommands({ referrals, rules: loyalty.settings.rules }),
      },
    };
  },
});
