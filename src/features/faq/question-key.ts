// The form customers' questions are compared by: "明天下雨吗?" and "明天下雨吗" are one question.
import { normalizeText } from './tokenize.js';

export function questionKey(text: string): string {
  return normalizeText(text)
    .replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '')
    .slice(0, 500);
}
