// Sliding-window pacing for outbound sends, with an injectable clock.
import type { PacingRule } from '../engine/channel.js';

export class Pacer {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  private keys(rule: PacingRule, channel: string, chatId: string, chatType: string): string | undefined {
    if (rule.scope === 'channel') return `${channel}|*|${rule.windowMs}`;
    if (rule.scope === 'group' && chatType !== 'group') return undefined;
    return `${channel}|${chatId}|${rule.scope}|${rule.windowMs}`;
  }

  /** Milliseconds to wait before this send respects every rule (0 = go now). */
  delay(rules: readonly PacingRule[], channel: string, chatId: string, chatType: string): number {
    const now = this.now();
    let wait = 0;
    for (const rule of rules) {
      const key = this.keys(rule, channel, chatId, chatType);
      if (!key) continue;
      const times = this.prune(key, now - rule.windowMs);
      if (times.length >= rule.max) {
        const oldest = times[times.length - rule.max] ?? now;
        wait = Math.max(wait, oldest + rule.windowMs - now);
      }
    }
    return wait;
  }

  record(rules: readonly PacingRule[], channel: string, chatId: string, chatType: string): void {
    const now = this.now();
    for (const rule of rules) {
      const key = this.keys(rule, channel, chatId, chatType);
      if (!key) continue;
      const times = this.sent.get(key) ?? [];
      times.push(now);
      this.sent.set(key, times);
    }
  }

  private prune(key: string, since: number): number[] {
    const times = this.sent.get(key);
    if (!times) return [];
    let drop = 0;
    while (drop < times.length && (times[drop] ?? 0) <= since) drop++;
    if (drop) times.splice(0, drop);
    if (!times.length) this.sent.delete(key);
    return times;
  }
}
