// Text that can be stored everywhere. PostgreSQL refuses NUL in text, and a lone UTF-16
// surrogate cannot be encoded as UTF-8 by either database driver: one such string in a
// multi-row INSERT fails every row beside it, so it is caught before it reaches the store.

// C0 controls except tab, newline and carriage return (browsers send CRLF from text areas).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
// Whitespace and invisible format characters (zero-width space and joiners, BOM, soft hyphen…).
const INVISIBLE = /[\s\p{Cf}]/gu;

/** Why this string cannot be stored, or undefined when it can. */
export function invalidTextReason(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  if (CONTROL.test(text)) return 'contains a control character (only tab and newline are allowed)';
  return undefined;
}

/** For platforms that cannot be answered with an error: the same text made storable. */
export function sanitizeText(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD').replace(CONTROLS, '');
}

/** True when nothing visible is left: empty, whitespace or zero-width characters only. */
export function isBlank(text: string | undefined): boolean {
  return !text || text.replace(INVISIBLE, '') === '';
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe inside HTML, in element content and quoted attributes alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
