// The loyalty chat commands, with the words customers type instead: /help, the command menus and
// the middleware (./middleware.ts) all read this one list.
import type { CommandSpec } from '../../kernel/feature.js';

export const loyaltyCommandSpecs = [
  {
    name: 'checkin',
    describe: { 'zh-CN': '每日签到领积分', en: 'daily check-in for points' },
    phrases: ['签到', '打卡'],
  },
  {
    name: 'points',
    describe: { 'zh-CN': '查看积分和会员等级', en: 'your points and tier' },
    phrases: ['积分', '我的积分', '查积分'],
  },
  {
    name: 'history',
    describe: { 'zh-CN': '最近的积分记录和兑换码', en: 'your latest points and codes' },
    phrases: ['积分记录'],
  },
  { name: 'rewards', describe: { 'zh-CN': '可兑换的奖励', en: 'rewards you can redeem' } },
] as const satisfies readonly CommandSpec[];
