// The chat commands the features answer, in one list: /help and the Telegram command menu are
// made from it (src/kernel/commands.ts), so neither can miss a command. When the features are
// built by the registry (src/kernel/registry.ts), each entry moves into its feature's declaration.
import { CORE_COMMANDS } from '../kernel/commands.js';
import type { CommandSpec } from '../kernel/feature.js';

const FEATURE_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'checkin',
    describe: { 'zh-CN': '每日签到领积分', en: 'daily check-in for points' },
  },
  {
    name: 'points',
    describe: { 'zh-CN': '查看积分和会员等级', en: 'your points and tier' },
  },
  { name: 'history', describe: { 'zh-CN': '最近的积分记录和兑换码', en: 'your latest points and codes' } },
  { name: 'rewards', describe: { 'zh-CN': '可兑换的奖励', en: 'rewards you can redeem' } },
  { name: 'feedback', describe: { 'zh-CN': '给我们提意见', en: 'tell us what you think' } },
  { name: 'human', describe: { 'zh-CN': '转人工客服', en: 'talk to a person' } },
  { name: 'link', describe: { 'zh-CN': '绑定其他App的账号', en: 'join your accounts in other apps' } },
  { name: 'invite', describe: { 'zh-CN': '邀请好友得积分', en: 'invite friends for points' } },
  {
    name: 'birthday',
    args: { 'zh-CN': '月-日', en: 'MM-DD' },
    describe: { 'zh-CN': '登记生日', en: 'your birthday' },
  },
];

/** Every command, core first: the order of /help and of the menus. */
export const ALL_COMMANDS: readonly CommandSpec[] = [
  ...CORE_COMMANDS.slice(0, 2),
  ...FEATURE_COMMANDS,
  ...CORE_COMMANDS.slice(2),
];
