// The engine's own commands (/start, /help, /lang, /stop) and the last stop of the pipeline
// (unknown commands, "I can't answer that"), placed like any feature's middleware; and the
// engine's housekeeping: the outbox-prune job, and the release of marketing held through quiet hours.
import { builtinCommands, fallback } from '../../engine/commands.js';
import { defineFeature } from '../../kernel/feature.js';
import { releaseHeld } from '../../outbox/outreach.js';
import { pruneSent } from '../../outbox/store.js';

const DAY_MS = 24 * 60 * 60_000;

export const coreFeature = defineFeature({
  name: 'core',
  summary:
    'Greeting, /help, language, opting out of messages the business sends on its own (/stop, /unsubscribe, 退订); quiet hours and a frequency cap for marketing; sent outbox messages deleted after outbox.retainDays',
  slots: ['commands', 'fallback'],
  commands: [
    { name: 'start', describe: { 'zh-CN': '开始', en: 'start' } },
    { name: 'help', describe: { 'zh-CN': '查看帮助', en: 'what I can do' } },
    {
      name: 'lang',
      args: { 'zh-CN': 'zh|en', en: 'zh|en' },
      describe: { 'zh-CN': '切换语言', en: 'switch language' },
    },
    {
      name: 'stop',
      describe: { 'zh-CN': '不再接收主动推送的消息', en: 'no more messages you did not ask for' },
    },
  ],
  setup: (host) => ({
    middleware: { commands: builtinCommands, fallback },
    jobs: [
      {
        // Daily at 03:45, after points-expiry: keeps the outbox the size of its recent traffic.
        name: 'outbox-prune',
        schedule: '45 3 * * *',
        run: (now) => pruneSent(host.db, new Date(now.getTime() - host.core.outbox.retainDays * DAY_MS)),
      },
      {
        // Every minute: marketing held through quiet hours (outreach.quietHours) goes out when they end.
        name: 'outreach-release',
        schedule: '* * * * *',
        run: () => releaseHeld(host.db, host.provider, new Date(host.clock.now()), host.notify),
      },
    ],
  }),
});
