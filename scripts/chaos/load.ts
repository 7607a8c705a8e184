import { CHAOS_CATALOG } from './catalog';
import type { Random } from './random';

export interface LoadResult {
  accepted: string[];
  refused: number;
  retriedRequests: number;
  /** Staff cancellations: answered 202, refused with 409, or not answered within 15 s (the update may still land). */
  cancellations: { accepted: number; refused: number; unanswered: number; ofNamedShipments: number };
  /** What the generated orders reached, so a run that never made a case shows it. */
  shapes: { repeatedSku: number; lines: Record<string, number> };
}

/** The orders a run steers to its rare cases (scripts/chaos/steering.ts), by their index in the load. */
export interface Steer {
  linesFor: (index: number) => { sku: string; quantity: number; unitPriceCents: number }[] | undefined;
  beforePlace: (index: number, idempotencyKey: string) => Promise<void>;
  placed: (index: number, orderId: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Places `count` orders at `perSecond` (open loop), each retried with the same Idempotency-Key until the API
 * answers, as a checkout service would while the API is down. About 5% are then cancelled by staff.
 */
export async function driveOrders(options: { apiUrl: () => string; count: number; perSecond: number; random: Random; checkoutToken: string; staffToken: string; runId: string; steer?: Steer }): Promise<LoadResult> {
  const result: LoadResult = { accepted: [], refused: 0, retriedRequests: 0, cancellations: { accepted: 0, refused: 0, unanswered: 0, ofNamedShipments: 0 }, shapes: { repeatedSku: 0, lines: {} } };
  const inFlight: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < options.count; i++) {
    const due = started + (i * 1000) / options.perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    // A steered order (scripts/chaos/steering.ts) takes its case's lines and a good card; the random draws are made
    // all the same, so the other orders of a seed are the ones it always had.
    const drawn = randomOrder(options.random, i);
    const steeredLines = options.steer?.linesFor(i);
    const body = steeredLines ? { ...drawn, lines: steeredLines.map((l) => ({ ...l })), paymentToken: 'tok_visa' } : drawn;
    result.shapes.lines[body.lines.length] = (result.shapes.lines[body.lines.length] ?? 0) + 1;
    if (new Set(body.lines.map((l) => l.sku)).size < body.lines.length) result.shapes.repeatedSku += 1;
    const cancelLater = options.random.chance(0.05) && !steeredLines;
    // Half the cancellations name one shipment (which exists only once the order is allocated; a 400/409 then is fine).
    // Half the cancellations name one of the order's shipments, as support staff would after looking the order up.
    const nameOne = options.random.chance(0.5);
    const whichShipment = options.random.next();
    inFlight.push(
      (async () => {
        const key = `chaos-${options.runId}-${i}`;
        if (steeredLines) await options.steer!.beforePlace(i, key);
        const orderId = await placeWithRetries(options, key, body, result);
        if (!orderId) return;
        result.accepted.push(orderId);
        if (steeredLines) options.steer!.placed(i, orderId);
        if (cancelLater) {
          await sleep(options.random.int(0, 3000));
          const shipments = nameOne ? await shipmentsOf(options.apiUrl(), orderId, options.staffToken).catch(() => []) : [];
          const named = shipments.length > 0 ? shipments[Math.floor(whichShipment * shipments.length)] : undefined;
          const body = named ? { reason: 'chaos: customer keeps the rest', shipmentIds: [named] } : { reason: 'chaos: customer changed their mind' };
          const status = await post(options.apiUrl(), `/orders/${orderId}/cancel`, body, options.staffToken).catch(() => 0);
          if (status === 202) {
            result.cancellations.accepted += 1;
            if (named) result.cancellations.ofNamedShipments += 1;
          } else if (status === 409 || status === 400) result.cancellations.refused += 1;
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

async function shipmentsOf(base: string, orderId: string, token: string): Promise<string[]> {
  const res = await fetch(`${base}/orders/${orderId}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) return [];
  const order = (await res.json()) as { shipments?: { shipmentId: string }[] };
  return (order.shipments ?? []).map((s) => s.shipmentId);
}

async function post(base: string, path: string, body: unknown, token: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  await res.arrayBuffer();
  return res.status;
}

const SINGLE_WAREHOUSE = CHAOS_CATALOG.filter((c) => Object.values(c.stock).filter((n) => n > 0).length === 1 && !c.sku.includes('SCARCE'));
const SCARCE = CHAOS_CATALOG.filter((c) => c.sku.includes('SCARCE'));
const PLENTY = CHAOS_CATALOG.filter((c) => !SINGLE_WAREHOUSE.includes(c) && !SCARCE.includes(c));

/** Mostly SKUs stocked everywhere; often one stocked in a single warehouse (so orders span warehouses); rarely a scarce one. */
function pickSku(random: Random): string {
  const roll = random.int(1, 100);
  return random.pick(roll <= 5 ? SCARCE : roll <= 40 ? SINGLE_WAREHOUSE : PLENTY).sku;
}

/** 1–5 lines; a line may repeat an earlier line's SKU at another price; single-warehouse SKUs make orders span warehouses. */
function randomOrder(random: Random, i: number) {
  const lines: { sku: string; quantity: number; unitPriceCents: number }[] = [];
  for (let n = random.int(1, 5); lines.length < n; ) {
    const sku = lines.length > 0 && random.chance(0.25) ? random.pick(lines).sku : pickSku(random);
    lines.push({ sku, quantity: random.int(1, 3), unitPriceCents: random.int(100, 5000) });
  }
  const west = random.chance(0.4);
  return {
    customerId: `chaos-customer-${random.int(1, 50)}`,
    email: `shopper${i}@example.com`,
    currency: 'USD',
    lines,
    shippingAddress: { name: `Shopper ${i}`, line1: `${i} Chaos Ave`, city: west ? 'Seattle' : 'Boston', postalCode: west ? '98101' : '02110', country: 'US' },
    paymentToken: random.chance(0.05) ? 'tok_chargeDeclined' : 'tok_visa',
  };
}
