// What staff read in a group-bot post, in the business's language (DEFAULT_LOCALE). Chinese uses
// full-width punctuation. Placeholders: {id}, {by}, {minutes}.
import type { Locale } from '../../src/engine/i18n.js';

export interface WebhookTexts {
  opened: string;
  customerWrote: string;
  staffReplied: string;
  staffNote: string;
  claimed: string;
  resolved: string;
  reopened: string;
  reminder: string;
  urgent: string;
  customer: string;
  reason: string;
  priority: string;
  trigger: string;
  message: string;
  open: string;
  reported: string;
  cannotAct: string;
  group: string;
  member: string;
  reporter: string;
  reasons: Record<string, string>;
  priorities: Record<string, string>;
}

export const webhookTexts: Record<Locale, WebhookTexts> = {
  'zh-CN': {
    opened: '新工单 #{id}',
    customerWrote: '工单 #{id}：客户发来新消息',
    staffReplied: '工单 #{id}：{by} 回复了客户',
    staffNote: '工单 #{id}：{by} 的内部备注',
    claimed: '工单 #{id} 已由 {by} 认领',
    resolved: '工单 #{id} 已由 {by} 解决',
    reopened: '工单 #{id} 已重新打开：客户再次来信',
    reminder: '工单 #{id} 已等待 {minutes} 分钟，仍无人认领！',
    urgent: '【紧急】',
    reported: '群内举报 #{id}',
    cannotAct: '群管理 #{id}：机器人无法处理，请人工处理',
    group: '群',
    member: '成员',
    reporter: '举报人',
    customer: '客户',
    reason: '原因',
    priority: '优先级',
    trigger: '客户原话',
    message: '新消息',
    open: '打开工单',
    reasons: {
      human: '要求人工',
      complaint: '投诉',
      safety: '安全与健康',
      money: '退款与费用',
      legal: '法律问题',
      public: '扬言公开曝光',
      unanswered: '机器人未能回答',
    },
    priorities: { high: '高', normal: '普通' },
  },
  en: {
    opened: 'New ticket #{id}',
    customerWrote: 'Ticket #{id}: the customer wrote',
    staffReplied: 'Ticket #{id}: {by} replied to the customer',
    staffNote: 'Ticket #{id}: internal note from {by}',
    claimed: 'Ticket #{id} claimed by {by}',
    resolved: 'Ticket #{id} resolved by {by}',
    reopened: 'Ticket #{id} reopened: the customer wrote again',
    reminder: 'Ticket #{id} has waited {minutes} min and nobody has claimed it!',
    urgent: '[URGENT] ',
    reported: 'Reported in a group: case #{id}',
    cannotAct: 'Group case #{id}: the bot could not act, please handle it',
    group: 'Group',
    member: 'Member',
    reporter: 'Reported by',
    customer: 'Customer',
    reason: 'Reason',
    priority: 'Priority',
    trigger: 'What they said',
    message: 'New message',
    open: 'Open the ticket',
    reasons: {
      human: 'asked for a person',
      complaint: 'complaint',
      safety: 'safety or health',
      money: 'refund or charges',
      legal: 'legal matter',
      public: 'threatens to go public',
      unanswered: 'the bot could not answer',
    },
    priorities: { high: 'high', normal: 'normal' },
  },
};
