import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Random } from './random';
import { terminalStatusList } from '../../db/terminalStatuses';
import { isTerminalStatus } from '../../workflows/order/contract';

/** The moments of a saga a staff cancellation can land in, as support sees them on `GET /orders/:id`. */
export const CANCEL_STAGES = ['before_handoff', 'partly_handed_off', 'all_handed_off', 'after_a_shipment_shipped', 'erp_step', 'parked'] as const;
export type CancelStage = (typeof CANCEL_STAGES)[number] | 'compensating' | 'ended';

interface StageCount {
  sent: number;
  accepted: number;
  partial: number;
  refused: number;
  unanswered: number;
  ofNamedShipments: number;
}

export interface StaffDeskLog {
  cancelsByStage: Record<string, StageCount>;
  /** Cancellations aimed at a stage whose order had moved on (ended) by the time staff looked it up. */
  missedMoments: number;
  wmsRefusalsArranged: number;
  resolutions: { retry: number; compensate: number; notParked: number; failed: number };
}

export interface OrderLook {
  status: string;
  shipments: { shipmentId: string; status: string }[];
}

/** What a staff cancellation met: the stage staff saw, the API's status (0: no answer) and how many shipments were refused. */
export interface CancelAnswer {
  stage: CancelStage;
  status: number;
  refused: number;
  /** The problem's detail when refused (409/400). */
  detail?: string;
}

/** The desk's hands, for orders the run steers (scripts/chaos/steering.ts): counted like every other staff action. */
export interface StaffHands {
  look: (orderId: string) => Promise<OrderLook | undefined>;
  cancel: (orderId: string, order: OrderLook, choice: { refuse?: string; named?: string; reason?: string }) => Promise<CancelAnswer>;
  resolve: (orderId: string, action: 'retry' | 'compensate') => Promise<number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUT = ['handed_off', 'shipped'];

/** Where an order's saga stands, from what staff see: the order's status and its shipments'. */
export function stageOf(order: OrderLook): CancelStage {
  if (isTerminalStatus(order.status)) return 'ended';
  if (order.status === 'needs_attention') return 'parked';
  if (order.status === 'compensating') return 'compensating';
  if (order.status === 'captured') return 'erp_step';
  const live = order.shipments.filter((s) => s.status !== 'cancelled');
  if (live.some((s) => s.status === 'shipped')) return 'after_a_shipment_shipped';
  const out = live.filter((s) => OUT.includes(s.status)).length;
  if (out === 0) return 'before_handoff';
  return out < live.length ? 'partly_handed_off' : 'all_handed_off';
}

/**
 * Support staff at work during the run. Every tick they look for orders at each stage of the saga (the staff
 * view's data), look one up as staff (`GET /orders/:id`) and, if it is still there, cancel it: whole, or one named
 * shipment. Before some cancellations after the handoff the WMS is told to refuse one shipment's cancellation
 * (already picking), so partial cancels happen. Parked orders are resolved after a few seconds with `retry` or
 * `compensate`, or cancelled. `drain()` stops new cancellations and resolves whatever parks, at once.
 */
export function runStaffDesk(options: {
  apiUrl: () => string;
  simUrl: string;
  staffToken: string;
  db: Database;
  random: Random;
  log: (line: string) => void;
  tickMs?: number;
  cancelChance?: number;
  /** Orders the run steers itself: the desk neither cancels nor resolves them at random. */
  isSteered?: (orderId: string) => boolean;
}) {
  const isSteered = options.isSteered ?? (() => false);
  const desk: StaffDeskLog = {
    cancelsByStage: Object.fromEntries(CANCEL_STAGES.map((s) => [s, { sent: 0, accepted: 0, partial: 0, refused: 0, unanswered: 0, ofNamedShipments: 0 }])),
    missedMoments: 0,
    wmsRefusalsArranged: 0,
    resolutions: { retry: 0, compensate: 0, notParked: 0, failed: 0 },
  };
  const { random } = options;
  const cancelChance = options.cancelChance ?? 0.12;
  const cancelledBy = new Map<string, number>();
  const parkedSince = new Map<string, number>();
  // A decision takes a moment to show in the order's status: not decided twice meanwhile.
  const decidedAt = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let draining = false;
  let stopped = false;
  const auth = { authorization: `Bearer ${options.staffToken}` };
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const look = async (orderId: string): Promise<OrderLook | undefined> => {
    const res = await fetch(`${options.apiUrl()}/orders/${orderId}`, { headers: auth, signal: AbortSignal.timeout(5_000) });
    if (res.status !== 200) return undefined;
    return (await res.json()) as OrderLook;
  };

  /**
   * One staff cancellation of an order as staff just saw it: the whole order or named shipments, after telling the
   * WMS to refuse one handed-off shipment's cancellation (already picking) if asked. Counted by the stage it was seen in.
   */
  const sendCancel = async (orderId: string, order: OrderLook, choice: { refuse?: string; named?: string; reason?: string }): Promise<CancelAnswer> => {
    const stage = stageOf(order);
    if (stage === 'ended' || stage === 'compensating') {
      desk.missedMoments += 1;
      return { stage, status: 0, refused: 0 };
    }
    const count = desk.cancelsByStage[stage]!;
    if (choice.refuse) {
      const picking = choice.refuse;
      await fetch(`${options.simUrl}/_sim/wms/cancellations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'refuse', scope: picking }) });
      desk.wmsRefusalsArranged += 1;
      // The parcel is picked and leaves; later cancellations of it are the warehouse's business again.
      setTimeout(() => void fetch(`${options.simUrl}/_sim/wms/behavior?scope=${picking}`, { method: 'DELETE' }).catch(() => {}), 15_000);
    }
    const { named } = choice;
    const reason = choice.reason ?? `chaos: staff cancel ${stage}${named ? ', one shipment' : ''}`;
    const body = named ? { reason, shipmentIds: [named] } : { reason };
    count.sent += 1;
    if (named) count.ofNamedShipments += 1;
    try {
      const res = await fetch(`${options.apiUrl()}/orders/${orderId}/cancel`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
      const answer = (await res.json().catch(() => ({}))) as { refused?: unknown[]; detail?: string };
      const refused = (answer.refused ?? []).length;
      if (res.status === 202) {
        if (refused > 0) count.partial += 1;
        else count.accepted += 1;
      } else if (res.status === 409 || res.status === 400) count.refused += 1;
      else count.unanswered += 1;
      return { stage, status: res.status, refused, ...(res.status === 202 ? {} : { detail: answer.detail }) };
    } catch {
      count.unanswered += 1;
      return { stage, status: 0, refused: 0 };
    }
  };

  const cancel = async (orderId: string) => {
    const order = await look(orderId).catch(() => undefined);
    if (!order) return;
    const stage = stageOf(order);
    if (stage === 'ended' || stage === 'compensating') {
      desk.missedMoments += 1;
      return;
    }
    const live = order.shipments.filter((s) => s.status !== 'cancelled');
    const handedOff = live.filter((s) => s.status === 'handed_off');
    // The warehouse already picks one handed-off shipment: a cancellation of the whole order is then partial.
    const refuseOne = handedOff.length > 0 && live.length > 1 && random.chance(0.5);
    const refuse = refuseOne ? random.pick(handedOff).shipmentId : undefined;
    const named = !refuseOne && live.length > 1 && random.chance(0.5) ? random.pick(live).shipmentId : undefined;
    await sendCancel(orderId, order, { refuse, named });
  };

  /** A decision on a parked order, counted: 202 is a resolution, 409 means it was not parked (any more). */
  const sendResolve = async (orderId: string, action: 'retry' | 'compensate'): Promise<number> => {
    try {
      const res = await fetch(`${options.apiUrl()}/orders/${orderId}/resolve`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ action }), signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status === 202) desk.resolutions[action] += 1;
      else if (res.status === 409) desk.resolutions.notParked += 1;
      else desk.resolutions.failed += 1;
      return res.status;
    } catch {
      desk.resolutions.failed += 1;
      return 0;
    }
  };

  const resolve = async (orderId: string) => {
    const order = await look(orderId).catch(() => undefined);
    if (!order || order.status !== 'needs_attention') return;
    if (random.chance(0.25) && (cancelledBy.get(orderId) ?? 0) < 2) {
      cancelledBy.set(orderId, (cancelledBy.get(orderId) ?? 0) + 1);
      return cancel(orderId);
    }
    // A human does not give up an order one of whose parcels has left: compensation could not take it back (its WMS
    // task refuses to cancel, and the order would park again as compensation_failed, for good).
    const shipped = order.shipments.some((s) => s.status === 'shipped');
    const action = shipped || random.chance(0.55) ? 'retry' : 'compensate';
    await sendResolve(orderId, action);
  };

  const tick = async () => {
    const rows = await options.db.execute<{ id: string; status: string; shipments: { shipmentId: string; status: string }[] | null }>(sql`
      select o.id, o.status, json_agg(json_build_object('shipmentId', s.id, 'status', s.status)) filter (where s.id is not null) as shipments
      from orders o left join shipments s on s.order_id = o.id
      where o.status not in ${terminalStatusList()}
      group by o.id, o.status`);
    const byStage = new Map<CancelStage, string[]>();
    const now = Date.now();
    const parkedNow = new Set<string>();
    for (const row of rows) {
      if (isSteered(row.id)) continue;
      const stage = stageOf({ status: row.status, shipments: row.shipments ?? [] });
      byStage.set(stage, [...(byStage.get(stage) ?? []), row.id]);
      if (stage !== 'parked') continue;
      parkedNow.add(row.id);
      // A human gets to a parked order after 2–10 s (at once while draining).
      if ((decidedAt.get(row.id) ?? 0) > now - 5_000) continue;
      if (!parkedSince.has(row.id)) parkedSince.set(row.id, now + random.int(2_000, 10_000));
      if (draining || parkedSince.get(row.id)! <= now) {
        parkedSince.delete(row.id);
        decidedAt.set(row.id, now);
        track(resolve(row.id));
      }
    }
    for (const id of parkedSince.keys()) if (!parkedNow.has(id)) parkedSince.delete(id);
    if (draining) return;
    for (const stage of CANCEL_STAGES) {
      if (stage === 'parked') continue;
      const candidates = (byStage.get(stage) ?? []).filter((id) => !cancelledBy.has(id));
      if (candidates.length === 0 || !random.chance(cancelChance)) continue;
      const orderId = random.pick(candidates);
      cancelledBy.set(orderId, 1);
      track(cancel(orderId));
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await tick().catch((err) => options.log(`staff desk: ${(err as Error).message}`));
      await sleep(options.tickMs ?? 500);
    }
  })();

  const hands: StaffHands = { look: (orderId) => look(orderId).catch(() => undefined), cancel: sendCancel, resolve: sendResolve };

  return {
    desk,
    hands,
    /** No more cancellations; parked orders are resolved at once (retry or compensate). */
    drain: () => {
      draining = true;
    },
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
    },
  };
}

/** Parks by reason, from the orders' timelines (an order may park more than once). */
export async function parksByReason(db: Database): Promise<{ parks: Record<string, number>; ordersParked: number }> {
  const rows = await db.execute<{ reason: string; n: number; orders: number }>(sql`
    select coalesce(detail->>'reason', 'unknown') as reason, count(*)::int as n, count(distinct order_id)::int as orders
    from order_events where type = 'status' and status = 'needs_attention' group by 1 order by 1`);
  const [distinct] = await db.execute<{ n: number }>(sql`select count(distinct order_id)::int as n from order_events where type = 'status' and status = 'needs_attention'`);
  return { parks: Object.fromEntries(rows.map((r) => [r.reason, r.n])), ordersParked: distinct?.n ?? 0 };
}
