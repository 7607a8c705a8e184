import type { Options } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import { BoundedMemoryStore } from '../../api/limits/boundedStore';

function storeAt(maxKeys: number, windowMs = 60_000) {
  const clock = { now: 1_000_000 };
  const store = new BoundedMemoryStore(maxKeys, () => clock.now);
  store.init({ windowMs } as Options);
  return { store, clock };
}

describe('BoundedMemoryStore', () => {
  it('counts hits per key in a fixed window that starts at the first hit', () => {
    const { store, clock } = storeAt(10);
    expect(store.increment('a')).toEqual({ totalHits: 1, resetTime: new Date(1_060_000) });
    clock.now += 30_000;
    expect(store.increment('a').totalHits).toBe(2);
    expect(store.increment('b').totalHits).toBe(1);
    store.decrement('a');
    expect(store.get('a')?.totalHits).toBe(1);
    clock.now += 30_000;
    // a's window is over; b's (opened 30 s later) is not.
    expect(store.get('a')).toBeUndefined();
    expect(store.increment('a')).toEqual({ totalHits: 1, resetTime: new Date(1_120_000) });
    expect(store.get('b')?.totalHits).toBe(1);
  });

  it('never holds more than maxKeys counters: a flood of new keys forgets the one touched longest ago', () => {
    const { store } = storeAt(3);
    for (const key of ['a', 'b', 'c']) store.increment(key);
    store.increment('a');
    for (let i = 0; i < 10_000; i++) {
      store.increment(`flood-${i}`);
      expect(store.size).toBeLessThanOrEqual(3);
    }
    expect(store.get('a')).toBeUndefined();
    expect(store.get('flood-9999')?.totalHits).toBe(1);
    // A key touched recently survives new keys arriving beside it.
    store.increment('keep');
    store.increment('x1');
    store.increment('keep');
    store.increment('x2');
    expect(store.get('keep')?.totalHits).toBe(2);
  });

  it('refuses a bound below one', () => {
    expect(() => new BoundedMemoryStore(0)).toThrow();
  });
});
