// Customer-facing texts in Chinese and English. The business can override any of them
// in RAPPORT_CONFIG under texts.<locale>.<key>; {placeholders} are filled per message.
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];

// The engine's own texts (greeting, /lang, /stop, fallbacks); /help is made from the features'
// commands (src/kernel/commands.ts) and each feature brings its texts (src/features/*/texts.ts),
// adding their keys to TextRegistry so ctx.t stays typed.
const en = {
  help: 'I can help with:',
  welcome:
    "Hello{name}! Welcome to {business}. I'm the online assistant: I answer common questions and take your feedback. Send /help to see what I can do.",
  welcomeBack: 'Welcome back{name}! Messages from us are switched on again. Send /help to see what I can do.',
  langSet: "OK, I'll talk to you in English from now on.",
  langUsage: 'Usage: /lang zh or /lang en',
  stopped: "Done: we won't send you messages on our own any more. Send /start at any time to switch them back on.",
  unknownCommand: "Sorry, I don't know the command {command}. Send /help to see what I can do.",
  fallback: "Sorry, I can't answer that yet. Send /help to see what I can do.",
  unsupported: 'Got it! I can only read text for now: please describe your question in words.',
};

const zh: Record<keyof typeof en, string> = {
  help: '我可以帮您：',
  welcome: '您好{name}！欢迎来到{business}。我是在线助手，可以回答常见问题、记录您的反馈。发送 /help 查看我能做什么。',
  welcomeBack: '欢迎回来{name}！已为您重新开启消息通知。发送 /help 查看我能做什么。',
  langSet: '好的，之后我会用中文和您交流。',
  langUsage: '用法：/lang zh 或 /lang en',
  stopped: '已为您关闭主动推送的消息。您随时可以发送 /start 重新开启。',
  unknownCommand: '抱歉，我不认识命令 {command}。发送 /help 查看可用命令。',
  fallback: '抱歉，我暂时无法回答这个问题。发送 /help 查看我能做什么。',
  unsupported: '收到啦！目前我只能看懂文字消息，请用文字描述您的问题。',
};

const defaults = { 'zh-CN': zh, en };

/** Every text key: the engine's, and those each feature's texts.ts adds (declaration merging). */
export interface TextRegistry extends Record<keyof typeof en, string> {}
export type TextKey = keyof TextRegistry & string;
export type Texts = Record<Locale, Record<TextKey, string>>;
/** What a feature brings: the same keys in both languages. */
export type FeatureTexts = Record<Locale, Record<string, string>>;
export type TextOverrides = Partial<Record<Locale, Partial<Record<string, string | undefined>>>>;

/** The keys the business may override: the engine's and the given features'. */
export function textKeysOf(features: readonly FeatureTexts[]): string[] {
  return [...new Set([...Object.keys(en), ...features.flatMap((t) => Object.keys(t.en))])];
}

/** The engine's texts, then the features', then the business's overrides (RAPPORT_CONFIG texts). */
export function buildTexts(overrides: TextOverrides = {}, features: readonly FeatureTexts[] = []): Texts {
  const layer = (locale: Locale) =>
    Object.assign({}, defaults[locale], ...features.map((t) => t[locale]), stripUndefined(overrides[locale]));
  return { 'zh-CN': layer('zh-CN'), en: layer('en') } as Texts;
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function format(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? String(vars[key]) : whole));
}

/** Accepts zh, zh-CN, zh-Hans, cn, 中文 → zh-CN; en, en-US, english → en; anything else → undefined. */
export function normalizeLocale(input: string | null | undefined): Locale | undefined {
  const v = (input ?? '').trim().toLowerCase();
  if (!v) return undefined;
  if (v === 'cn' || v === '中文' || v.startsWith('zh')) return 'zh-CN';
  if (v === 'english' || v === '英文' || v === 'en' || v.startsWith('en-') || v.startsWith('en_')) return 'en';
  return undefined;
}

const han = /\p{Script=Han}/u;
const latinWord = /[A-Za-z]{2,}/;

/** Guesses the language of a customer's text: any Han character means Chinese, Latin words English. */
export function detectLocale(text: string | undefined): Locale | undefined {
  if (!text) return undefined;
  const body = text.replace(/^\/\S+/, '');
  if (han.test(body)) return 'zh-CN';
  if (latinWord.test(body)) return 'en';
  return undefined;
}
