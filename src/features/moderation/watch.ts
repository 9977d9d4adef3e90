// What moderation remembers between messages, in this instance's memory: each member's recent
// message times (flood) and each group's recent texts (duplicates). Bounded: beyond `maxKeys`
// the least recently seen are forgotten, which only ever lets a message through, never blocks one.
// Several instances each see their own share of a group's messages (a Telegram bot polls from one).

const DEFAULT_MAX_KEYS = 100_000;

/** Map insertion order as recency: get() moves a key to the end, set() evicts from the front. */
class Recent<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

/** A message that carried a repeated text: whose, and its id (to delete it too). */
export interface Copy {
  memberId: string;
  messageId: string | undefined;
  sentAt: Date | undefined;
  at: number;
  /** Counts with copies from other members (a spam wave, see Moderation.judge); else only with its sender's. */
  wave?: boolean;
}

export class GroupWatch {
  private readonly times: Recent<number[]>;
  private readonly texts: Recent<Copy[]>;

  constructor(maxKeys = DEFAULT_MAX_KEYS) {
    this.times = new Recent(maxKeys);
    this.texts = new Recent(maxKeys);
  }

  /**
   * Counts a member's message; true when it is the `messages`-th within `seconds` (a flood).
   * The count starts again after a flood, so one burst is acted on once.
   */
  flood(group: string, memberId: string, now: number, limit: { messages: number; seconds: number }): boolean {
    const key = `${group}\u0000${memberId}`;
    const since = now - limit.seconds * 1000;
    const times = (this.times.get(key) ?? []).filter((t) => t > since);
    times.push(now);
    if (times.length >= limit.messages) {
      this.times.delete(key);
      return true;
    }
    this.times.set(key, times);
    return false;
  }

  /**
   * Records a text in a group; returns the copies that count (this one last) once they are
   * `count` within `minutes`, else undefined. A copy counts with its sender's own, and a wave copy
   * also with other members' wave copies.
   */
  duplicate(group: string, text: string, copy: Copy, limit: { count: number; minutes: number }): Copy[] | undefined {
    const key = `${group}\u0000${text}`;
    const since = copy.at - limit.minutes * 60_000;
    const copies = (this.texts.get(key) ?? []).filter((c) => c.at > since);
    copies.push(copy);
    // A bounded history: the latest copies.
    this.texts.set(key, copies.slice(-limit.count * 4));
    const counted = copies.filter((c) => c.memberId === copy.memberId || (copy.wave && c.wave));
    return counted.length >= limit.count ? counted : undefined;
  }

  /** Forgets a member's message times (an admin lifted their mute). */
  forgive(group: string, memberId: string): void {
    this.times.delete(`${group}\u0000${memberId}`);
  }
}
