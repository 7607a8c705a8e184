import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from '../support/stack';
import { CHECKOUT_TOKEN, CROWD_CHECKOUT_TOKEN } from '../support/testPolicy';
import { holdingEndpoint, outboxEventsTogether, subscribe, type HoldingEndpoint } from './support';

/**
 * Delivery slots are shared fairly (worker/webhooks/slots.ts, the run's dispatcher under the default limits:
 * 64 in all, 4 per subscription, 16 per owner, 8 per target host). One client ("checkout-crowd") with 16 endpoints
 * on slow hosts that never answer cannot hold every slot, nor can one slow host; another client's event goes out
 * at once. Counted at the endpoints: how many requests are open at once, and whether any slow attempt had ended
 * when the other client's event arrived (before the defaults, it could only get a slot a slow attempt gave back).
 */
const PER_OWNER = 16;
const PER_HOST = 8;
// The slow hosts are loopback addresses no other test delivers to: a slow 127.0.0.1 would hold that host's 8
// slots for minutes, and every other file's receiver (all on 127.0.0.1) would wait behind them.

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function crowdEndpoints(hosts: string[], perHost: number, together?: { open: number; max: number }) {
  const endpoints: HoldingEndpoint[] = [];
  for (const host of hosts) {
    const endpoint = await holdingEndpoint(host, together);
    endpoints.push(endpoint);
    cleanup.push(() => endpoint.close());
  }
  for (const endpoint of endpoints) {
    for (let i = 0; i < perHost; i++) {
      const sub = await subscribe(endpoint.url(`/slow/${i}`), { token: CROWD_CHECKOUT_TOKEN });
      cleanup.push(() => api(`/webhook-subscriptions/${sub.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${CROWD_CHECKOUT_TOKEN}` } }));
    }
  }
  return endpoints;
}

const until = async (what: string, done: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('fair webhook delivery', () => {
  it("one client's 16 endpoints on slow hosts hold at most its share, and another client's event goes out at once", async () => {
    // 16 endpoints, 4 on each of 4 slow hosts: 64 attempts could be open at once (4 per subscription).
    const crowd = { open: 0, max: 0 };
    const slow = await crowdEndpoints(['127.0.0.7', '127.0.0.3', '127.0.0.4', '127.0.0.5'], 4, crowd);
    // Another client's endpoint on a host of its own, answering at once.
    const arrivals: { messageId: string; slowEnded: number }[] = [];
    const fast: Server = createServer((req, res) => {
      arrivals.push({ messageId: String(req.headers['webhook-id']), slowEnded: slow.reduce((n, e) => n + e.closed, 0) });
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => fast.listen(0, '127.0.0.2', r));
    cleanup.push(() => new Promise((r) => fast.close(r)));
    const mine = await subscribe(`http://127.0.0.2:${(fast.address() as AddressInfo).port}/hooks`, { token: CHECKOUT_TOKEN, events: ['order.processing'] });
    cleanup.push(() => api(`/webhook-subscriptions/${mine.id}`, { method: 'DELETE' }));

    // Six events for each crowd endpoint (96 deliveries), and then one for the other client, in one fan-out:
    // its delivery is the newest of them all.
    const written = Date.now();
    const batches = await outboxEventsTogether([
      { owner: 'checkout-crowd', count: 6 },
      { owner: 'checkout-web', count: 1 },
    ]);
    const theirs = batches[1]![0]!;

    await until('the other client’s event arrives', () => arrivals.some((a) => a.messageId === theirs));
    const arrival = arrivals.find((a) => a.messageId === theirs)!;
    console.log(`the other client's event arrived ${Date.now() - written} ms after it was written, ${arrival.slowEnded} slow attempts having ended`);
    // It did not wait for a slow attempt to end (each is held until WEBHOOK_TIMEOUT_MS, 2 s).
    expect(arrival.slowEnded).toBe(0);

    // Through a whole cycle of slow attempts (the first ones time out and the next are claimed), the crowd never
    // holds more than its owner's share, nor one host more than its host's share.
    await until('the first slow attempts time out', () => slow.reduce((n, e) => n + e.closed, 0) >= PER_OWNER);
    await until('the next slow attempts are claimed', () => slow.reduce((n, e) => n + e.arrived, 0) >= 2 * PER_OWNER);
    const total = slow.reduce((n, e) => n + e.arrived, 0);
    console.log(`slow endpoints: ${total} requests, at most ${crowd.max} open at once (${slow.map((e) => e.max).join('/')} per host)`);
    for (const endpoint of slow) expect(endpoint.max).toBeLessThanOrEqual(PER_HOST);
    // The owner's share was reached and never passed (the limit is what bound it, not a lack of work).
    expect(crowd.max).toBe(PER_OWNER);
  });

  it('one slow host holds at most WEBHOOK_CONCURRENCY_PER_HOST connections, however many endpoints name it', async () => {
    // 4 endpoints on one host: 16 attempts could be open at once (4 per subscription), within the owner's 16.
    const [host] = await crowdEndpoints(['127.0.0.6'], 4);
    await outboxEventsTogether([{ owner: 'checkout-crowd', count: 6 }]);
    await until('the host holds its share', () => host!.open >= PER_HOST);
    // Further claims (ten poll intervals, and a cycle of timeouts) never open more.
    await until('the first attempts time out', () => host!.closed >= PER_HOST);
    await until('the next attempts are claimed', () => host!.arrived >= 2 * PER_HOST);
    console.log(`one slow host: ${host!.arrived} requests, at most ${host!.max} open at once`);
    expect(host!.max).toBe(PER_HOST);
  });
});
