// /help and the platforms' command menus, made from the commands the features declare: a feature
// that adds a command appears in both, in both languages, and neither can drift from the code.
import type { Locale } from '../engine/i18n.js';
import type { CommandSpec } from './feature.js';

const HEAD: Record<Locale, string> = { 'zh-CN': '我可以帮您：', en: 'I can help with:' };
const TAIL: Record<Locale, string> = {
  'zh-CN': '直接发送您的问题，我会尽力解答。',
  en: 'Or just type your question.',
};

/** The text of /help: one line a command, in the features' list order. */
export function helpText(commands: readonly CommandSpec[], locale: Locale): string {
  const lines = commands.map((c) => {
    const args = c.args ? ` ${c.args[locale]}` : '';
    return `/${c.name}${args} ${c.describe[locale]}`;
  });
  return [HEAD[locale], ...lines, TAIL[locale]].join('\n');
}

export interface MenuEntry {
  command: string;
  description: string;
}

/** The command menus (Telegram's setMyCommands): English as the default, Chinese for zh users. */
export function commandMenus(commands: readonly CommandSpec[]): { en: MenuEntry[]; zh: MenuEntry[] } {
  const menu = (locale: Locale) =>
    commands.map((c) => ({
      command: c.name,
      // Telegram: 1–256 characters; the arguments help there too.
      description: `${c.describe[locale]}${c.args ? ` (/${c.name} ${c.args[locale]})` : ''}`.slice(0, 256),
    }));
  return { en: menu('en'), zh: menu('zh-CN') };
}
