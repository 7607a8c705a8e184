import { CHAOS_CATALOG } from './catalog';
import type { Random } from './random';

export interface LoadResult {
  accepted: string[];
  refused: number;
  retriedRequests: number;
  /** Staff cancellations: answered 202, refused with 409, or not answered within 15 s (the update may still land). */
  cancellations: { accepted: number; refused: number; unanswered: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Places `count` orders at `perSecond` (open loop), each retried with the same Idempotency-Key until the API
 * answers, as a checkout service would while the API is down. About 5% are then cancelled by staff.
 */
export async function driveOrders(options: { apiUrl: () => string; count: number; perSecond: number; random: Random; checkoutToken: string; staffToken: string; runId: string }): Promise<LoadResult> {
  const result: LoadResult = { accepted: [], refused: 0, retriedRequests: 0, cancellations: { accepted: 0, refused: 0, unanswered: 0 } };
  const inFlight: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < options.count; i++) {
    const due = started + (i * 1000) / options.perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    const body = randomOrder(options.random, i);
    const cancelLater = options.random.chance(0.05);
    inFlight.push(
      (async () => {
        const orderId = await placeWithRetries(options, `chaos-${options.runId}-${i}`, body, result);
        if (!orderId) return;
        result.accepted.push(orderId);
        if (cancelLater) {
          await sleep(options.random.int(0, 3000));
          const status = await post(options.apiUrl(), `/orders/${orderId}/cancel`, { reason: 'chaos: customer changed their mind' }, options.staffToken).catch(() => 0);
          if (status === 202) result.cancellations.accepted += 1;
          else if (status === 409) result.cancellations.refused += 1;
          else result.cancellations.unanswered += 1;
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  return result;
}

async function placeWithRetries(options: { apiUrl: () => string; checkoutToken: string }, key: string, body: unknown, result: LoadResult): Promise<string | undefined> {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const res = await fetch(`${options.apiUrl()}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${options.checkoutToken}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const answer = (await res.json()) as { orderId?: string };
      if (res.status === 202) return answer.orderId;
      if (res.status < 500 && res.status !== 429) {
        result.refused += 1;
        return undefined;
      }
    } catch {
      // The API is down or restarting: try again with the same key, as a checkout service would.
    }
    result.retriedRequests += 1;
    await sleep(500);
  }
  result.refused += 1;
  return undefined;
}

async function post(base: string, path: string, body: unknown, token: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  await res.arrayBuffer();
  return res.status;
}

function randomOrder(random: Random, i: number) {
  const lines = Array.from({ length: random.int(1, 2) }, () => ({ sku: random.pick(CHAOS_CATALOG).sku, quantity: random.int(1, 3), unitPriceCents: random.int(100, 5000) }));
  const west = random.chance(0.4);
  return {
    customerId: `chaos-customer-${random.int(1, 50)}`,
    email: `shopper${i}@example.com`,
    currency: 'USD',
    lines: [...new Map(lines.map((l) => [l.sku, l])).values()],
    shippingAddress: { name: `Shopper ${i}`, line1: `${i} Chaos Ave`, city: west ? 'Seattle' : 'Boston', postalCode: west ? '98101' : '02110', country: 'US' },
    paymentToken: random.chance(0.05) ? 'tok_chargeDeclined' : 'tok_visa',
  };
}
