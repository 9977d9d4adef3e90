// The engine's own commands (/start, /help, /lang, /stop) and the last stop of the pipeline
// (unknown commands, "I can't answer that"), placed like any feature's middleware.
import { builtinCommands, fallback } from '../../engine/commands.js';
import { defineFeature } from '../../kernel/feature.js';

export const coreFeature = defineFeature({
  name: 'core',
  summary: 'Greeting, /help, language, opting out of messages the business sends on its own',
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
  setup: () => ({ middleware: { commands: builtinCommands, fallback } }),
});
