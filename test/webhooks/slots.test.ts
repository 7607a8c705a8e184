import { describe, expect, it } from 'vitest';
import { DeliverySlots, targetHost, type SlotKey } from '../../worker/webhooks/slots';

/** The dispatcher's slot accounting, pure: every attempt needs a slot per subscription, per owner, per host and in all. */
const key = (subscription: string, owner: string, host: string): SlotKey => ({ subscription, owner, host });
const limits = { global: 10, perSubscription: 2, perOwner: 4, perHost: 3 };

describe('delivery slots', () => {
  it('one subscription holds at most perSubscription', () => {
    const slots = new DeliverySlots(limits);
    expect([1, 2, 3].map(() => slots.take(key('s1', 'a', 'h1')))).toEqual([true, true, false]);
    expect(slots.inFlight).toBe(2);
  });

  it('one owner holds at most perOwner, however many subscriptions it has', () => {
    const slots = new DeliverySlots(limits);
    const taken = ['s1', 's2', 's3', 's4'].flatMap((s, i) => [slots.take(key(s, 'a', `h${i}`)), slots.take(key(s, 'a', `h${i}`))]);
    expect(taken.filter(Boolean)).toHaveLength(4);
    // Another owner still gets in.
    expect(slots.take(key('b1', 'b', 'h9'))).toBe(true);
  });

  it('one host holds at most perHost, across subscriptions and owners', () => {
    const slots = new DeliverySlots(limits);
    expect(slots.take(key('s1', 'a', 'slow.example'))).toBe(true);
    expect(slots.take(key('s2', 'b', 'slow.example'))).toBe(true);
    expect(slots.take(key('s3', 'c', 'slow.example'))).toBe(true);
    expect(slots.take(key('s4', 'd', 'slow.example'))).toBe(false);
    expect(slots.take(key('s4', 'd', 'fast.example'))).toBe(true);
  });

  it('the global limit binds last, and a refused take leaves nothing taken', () => {
    const slots = new DeliverySlots({ global: 3, perSubscription: 5, perOwner: 5, perHost: 5 });
    expect([1, 2, 3, 4].map((i) => slots.take(key(`s${i}`, `o${i}`, `h${i}`)))).toEqual([true, true, true, false]);
    expect(slots.room).toBe(0);
    expect(slots.busy()).toEqual({ subscriptions: { s1: 1, s2: 1, s3: 1 }, owners: { o1: 1, o2: 1, o3: 1 }, hosts: { h1: 1, h2: 1, h3: 1 } });
  });

  it('release gives every slot back, and releasing what was not taken is a bug', () => {
    const slots = new DeliverySlots(limits);
    const k = key('s1', 'a', 'h');
    slots.take(k);
    slots.take(k);
    expect(slots.fits(k)).toBe(false);
    slots.release(k);
    expect(slots.fits(k)).toBe(true);
    slots.release(k);
    expect(slots.inFlight).toBe(0);
    expect(slots.busy()).toEqual({ subscriptions: {}, owners: {}, hosts: {} });
    expect(() => slots.release(k)).toThrow(/no slot of s1/);
  });

  it('pick takes what fits in order: a crowd of one owner does not push the next owner out', () => {
    const slots = new DeliverySlots({ global: 8, perSubscription: 4, perOwner: 4, perHost: 8 });
    // The greedy owner's 16 deliveries come first in time; the claim interleaves owners, but even unsorted the
    // greedy one stops at its share and the rest of the batch is still looked at.
    const greedy = Array.from({ length: 16 }, (_, i) => ({ id: i, ...key(`g${i % 4}`, 'greedy', 'slow.example') }));
    const other = { id: 100, ...key('o1', 'other', 'fast.example') };
    const picked = slots.pick([...greedy, other]);
    expect(picked.filter((p) => p.owner === 'greedy')).toHaveLength(4);
    expect(picked).toContainEqual(other);
    expect(slots.inFlight).toBe(5);
  });

  it('pick stops at the global limit', () => {
    const slots = new DeliverySlots({ global: 2, perSubscription: 4, perOwner: 4, perHost: 4 });
    expect(slots.pick([1, 2, 3].map((id) => ({ id, ...key(`s${id}`, `o${id}`, `h${id}`) })))).toHaveLength(2);
  });

  it('limits must be positive integers', () => {
    expect(() => new DeliverySlots({ ...limits, perHost: 0 })).toThrow(/perHost must be a positive integer/);
  });

  it('the host of a URL is its lower-case name without port', () => {
    expect(targetHost('https://Hooks.Example.com:8443/x')).toBe('hooks.example.com');
    expect(targetHost('http://127.0.0.1:9/x')).toBe('127.0.0.1');
    expect(targetHost('http://[::1]:9/x')).toBe('[::1]');
  });
});
