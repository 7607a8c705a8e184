import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

/**
 * An express-rate-limit store in memory, like its MemoryStore, but holding at most `maxKeys` counters: past
 * that, the counter touched longest ago is dropped (it starts again from zero if its client comes back). A
 * flood of new addresses (IPv6 hands out 2^56 /56 prefixes) then costs a fixed amount of memory, never more.
 * Each key has a fixed window that starts at its first hit.
 */
export class BoundedMemoryStore implements Store {
  /** Insertion order is recency: a touched counter is moved to the end; the first is the one to drop. */
  private readonly counters = new Map<string, { hits: number; resetAt: number }>();
  private windowMs = 60_000;
  readonly localKeys = true;

  constructor(
    readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(maxKeys >= 1)) throw new Error('a bounded store holds at least one key');
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  get size(): number {
    return this.counters.size;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const counter = this.live(key);
    return counter && { totalHits: counter.hits, resetTime: new Date(counter.resetAt) };
  }

  increment(key: string): ClientRateLimitInfo {
    const now = this.now();
    let counter = this.live(key);
    if (counter) this.counters.delete(key);
    else counter = { hits: 0, resetAt: now + this.windowMs };
    counter.hits++;
    this.counters.set(key, counter);
    if (this.counters.size > this.maxKeys) this.counters.delete(this.counters.keys().next().value!);
    return { totalHits: counter.hits, resetTime: new Date(counter.resetAt) };
  }

  decrement(key: string): void {
    const counter = this.live(key);
    if (counter && counter.hits > 0) counter.hits--;
  }

  resetKey(key: string): void {
    this.counters.delete(key);
  }

  resetAll(): void {
    this.counters.clear();
  }

  /** The key's counter while its window lasts; an expired one is dropped on the way. */
  private live(key: string) {
    const counter = this.counters.get(key);
    if (counter && counter.resetAt <= this.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return counter;
  }
}
