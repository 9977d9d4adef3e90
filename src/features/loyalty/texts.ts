// Texts of points, tiers and rewards, in Chinese and English. The business overrides any of them in
// RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
import type { FeatureTexts } from '../../engine/i18n.js';

const en = {
  welcomePoints: 'Here are {points} welcome points: send /points to see them.',
  checkinDone: 'Checked in: +{points} points! Balance: {balance}.',
  checkinAgain: "You've already checked in today: come back tomorrow. Balance: {balance}.",
  pointsSummary: 'Points: {balance}\nTier: {tier} ({perks})\n{progress}',
  pointsProgress: 'Earned in the last 12 months: {earned}. {points} more to reach {tier}.',
  pointsTopTier: "You're at the top tier: thank you!",
  pointsExpiring: '\nHeads-up: {points} points expire within 30 days.',
  historyTitle: 'Your latest points:',
  historyEmpty: 'No points yet. Send /checkin every day to collect some.',
  tierReached: 'Congratulations, you are now {tier}! Perks: {perks}',
  rewardsList: 'You can redeem these (balance {balance}); tap one to redeem:',
  rewardsNone: 'Nothing to redeem yet. You have {balance} points; the cheapest reward needs {cost}.',
  redeemConfirm: 'Redeem {name} for {cost} points?',
  redeemConfirmButton: 'Redeem',
  redeemCancelButton: 'Cancel',
  redeemCancelled: 'OK, cancelled.',
  redeemDone: 'Done! Your code for {name}: {code}. Show it at the counter. Points left: {balance}.',
  redeemUsage: 'Usage: /redeem REWARD, for example /redeem {example}. Send /rewards to see what you can redeem.',
  redeemUnknown: 'There is no such reward. Send /rewards to see what you can redeem.',
  redeemPoints: 'Not enough points: {name} needs {cost}, you have {balance}.',
  redeemStock: 'Sorry, {name} is out of stock.',
  redeemLimit: '{name} is limited to {limit} per customer, and you have redeemed it already.',
  redeemTier: '{name} is for {tier} members and above.',
  historyRedemption: 'redeemed {name}, code {code}: {status}',
  redemptionIssued: 'not used yet',
  redemptionUsed: 'used ({day})',
  redemptionCancelled: 'cancelled, points refunded',
  historyRefund: 'refund',
};

const zh: Record<keyof typeof en, string> = {
  welcomePoints: '送您{points}积分作为见面礼，发送 /points 查看。',
  checkinDone: '签到成功，获得{points}积分！当前积分：{balance}。',
  checkinAgain: '今天已经签到过啦，明天再来吧。当前积分：{balance}。',
  pointsSummary: '当前积分：{balance}\n会员等级：{tier}（{perks}）\n{progress}',
  pointsProgress: '近12个月已获得{earned}积分，再获得{points}积分即可升级为{tier}。',
  pointsTopTier: '您已是最高等级，感谢支持！',
  pointsExpiring: '\n提醒：有{points}积分将在30天内过期。',
  historyTitle: '最近的积分记录：',
  historyEmpty: '还没有积分记录。发送 /checkin 每日签到就能领积分。',
  tierReached: '恭喜您升级为{tier}！专属权益：{perks}',
  rewardsList: '您可以兑换这些奖励（当前积分{balance}），点一下即可兑换：',
  rewardsNone: '暂时没有可兑换的奖励。当前积分{balance}，最便宜的奖励需要{cost}积分。',
  redeemConfirm: '确认用{cost}积分兑换「{name}」吗？',
  redeemConfirmButton: '确认兑换',
  redeemCancelButton: '取消',
  redeemCancelled: '好的，已取消兑换。',
  redeemDone: '兑换成功！「{name}」的兑换码：{code}，到店出示即可。剩余积分{balance}。',
  redeemUsage: '用法：/redeem 奖励编号，例如 /redeem {example}。发送 /rewards 查看可兑换的奖励。',
  redeemUnknown: '没有这个奖励。发送 /rewards 查看可兑换的奖励。',
  redeemPoints: '积分不够：兑换「{name}」需要{cost}积分，您现在有{balance}积分。',
  redeemStock: '抱歉，「{name}」已经兑完了。',
  redeemLimit: '「{name}」每人限兑{limit}次，您已经兑换过了。',
  redeemTier: '「{name}」仅限{tier}及以上会员兑换。',
  historyRedemption: '兑换「{name}」，兑换码{code}：{status}',
  redemptionIssued: '未使用',
  redemptionUsed: '已使用（{day}）',
  redemptionCancelled: '已取消，积分已退还',
  historyRefund: '退还',
};

export const loyaltyTexts = { 'zh-CN': zh, en } satisfies FeatureTexts;

declare module '../../engine/i18n.js' {
  interface TextRegistry extends Record<keyof typeof en, string> {}
}
