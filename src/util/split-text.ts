// Long messages for platforms with a length limit (Telegram 4,096, WeChat 2,000 characters).
/** Where a long text is best cut, most preferred first (the cut goes after the separator). */
const SEPARATORS = ['\n\n', '\n', '。', '！', '？', '. ', '! ', '? ', '；', '，', '; ', ', ', ' '];

/**
 * Splits a text into parts of at most `max` UTF-16 code units, cutting at a
 * paragraph, line, sentence or word boundary in the second half of a part when there is one, and
 * never inside a surrogate pair.
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = -1;
    for (const sep of SEPARATORS) {
      const at = window.lastIndexOf(sep);
      if (at >= max / 2) {
        cut = at + sep.length;
        break;
      }
    }
    if (cut < 0) {
      cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.trim() || parts.length === 0) parts.push(rest);
  return parts;
}
