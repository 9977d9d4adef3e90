// How moderation reads a message: case- and width-insensitive (NFKC folds ｆｕｌｌｗｉｄｔｈ and
// half-width ｶﾀｶﾅ to their usual forms), spacing and punctuation ignored where spammers use them
// to slip past a word list ("加 微 信", "加-微-信"), and the links in it, also written t。me or ｔ．ｍｅ.

/** Folded: NFKC, lower case. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Folded, without spaces, punctuation, symbols or invisible characters. */
export function squeeze(text: string): string {
  return fold(text).replace(/[\s\p{P}\p{S}\p{Cf}]+/gu, '');
}

/** Top-level domains a bare "name.tld" is taken as a link for (an address with a scheme or www. always is). */
const TLDS =
  'com|cn|net|org|io|me|co|xyz|top|info|biz|cc|tv|app|dev|link|site|online|shop|store|vip|club|live|fun|icu|ru|uk|de|fr|jp|kr|hk|tw|sg|us|ly|gl|gg|ai';
const SCHEMED = /\b(?:https?|tg|weixin):\/\/([^\s/?#]*)/g;
const WWW = /\bwww\.([^\s/?#]+)/g;
const BARE = new RegExp(`(?<![\\w@.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:${TLDS}))(?![\\w-])`, 'g');

/** The hosts of the links in a text (lower case; "tg://…" and "weixin://…" as "tg", "weixin"). */
export function linkHosts(text: string): string[] {
  // The ideographic full stop stands in for a dot to get past link filters: "t。me/…".
  const folded = fold(text).replace(/[。｡]/g, '.');
  const hosts: string[] = [];
  for (const m of folded.matchAll(SCHEMED)) hosts.push(m[1] || m[0].split(':')[0] || '');
  for (const m of folded.matchAll(WWW)) hosts.push(`www.${m[1]}`);
  for (const m of folded.matchAll(BARE)) hosts.push(m[1] as string);
  const clean = (h: string) =>
    h
      .replace(/^.*@/, '')
      .replace(/:\d*$/, '')
      .replace(/[^\p{L}\p{N}]+$/u, '');
  return [...new Set(hosts.map(clean).filter(Boolean))];
}

/** A link's host from a URL the platform marked (Telegram's text links). */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase() || url;
  } catch {
    return linkHosts(url)[0] ?? url;
  }
}

/** Whether a host is one of the allowed domains or under one. */
export function allowedHost(host: string, allow: readonly string[]): boolean {
  const h = host.replace(/^www\./, '');
  return allow.some((d) => {
    const domain = d.replace(/^www\./, '');
    return h === domain || h.endsWith(`.${domain}`);
  });
}

/** A blocklist entry, compiled: a /regex/ over the folded text, or a word or phrase. */
export interface BlockPattern {
  source: string;
  test(folded: string): boolean;
}

const SEPARATORS = '[\\s\\p{P}\\p{S}\\p{Cf}]*';
const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const WORDLIKE = /[\p{Script=Latin}\p{N}]/u;

/**
 * A phrase matches with anything of spacing and punctuation between its characters ("加 微 信",
 * "c.a.s.i.n.o"); one that starts or ends with a Latin letter or digit only as a whole word, so
 * "ass" leaves "class" alone. A /regex/ (flags after the slash) runs over the folded text.
 */
export function compilePattern(pattern: string): BlockPattern {
  const re = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  if (re) {
    // Global and sticky flags would make test() stateful.
    const regex = new RegExp(fold(re[1] as string), `${(re[2] ?? '').replace(/[gyiu]/g, '')}iu`);
    return { source: pattern, test: (folded) => regex.test(folded) };
  }
  const chars = [...squeeze(pattern)];
  if (!chars.length) return { source: pattern, test: () => false };
  const body = chars.map(escapeChar).join(SEPARATORS);
  const before = WORDLIKE.test(chars[0] as string) ? '(?<![\\p{L}\\p{N}])' : '';
  const after = WORDLIKE.test(chars.at(-1) as string) ? '(?![\\p{L}\\p{N}])' : '';
  const regex = new RegExp(`${before}${body}${after}`, 'u');
  return { source: pattern, test: (folded) => regex.test(folded) };
}
