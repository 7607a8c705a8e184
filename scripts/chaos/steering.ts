import { eq } from 'drizzle-orm';
import { orderIdFor } from '../../api/order/placeOrder';
import type { Database } from '../../db/client';
import { shipments } from '../../db/schema';
import { SIGNATURE_HEADER, signPayload } from '../../lib/shipment/wmsSignature';
import { seededRandom } from './random';
import { stageOf, type CancelStage, type OrderLook, type StaffHands } from './staff';

/**
 * The rare cases of a chaos run, arranged on purpose (issue 21): a few orders of every run are steered, so each
 * default-size run reaches every case in scripts/chaos/coverage.ts that the random load and staff reach only by luck.
 * Which orders (by their index in the load) and for which case is `steeringPlan(seed, count)`: pure, from the seed.
 * The steered orders go through the same faults as the rest; only their shape, a vendor rule scoped to them, and the
 * staff action at the moment they reach their stage are chosen. The random staff desk leaves them alone.
 */
export const STEERED_CASES = [
  // A parked order (its labels fail: the carrier is down for this order alone), resolved with retry, compensate, or cancelled.
  'park_then_retry',
  'park_then_compensate',
  'park_then_cancel',
  // A two-warehouse order (its capture slowed), cancelled whole once every shipment is handed off; the WMS refuses one (already picking).
  'partial_cancel_all_handed_off',
  // A three-warehouse order, one shipment's handoff slowed; cancelled whole while the others are out, the WMS refusing one.
  'partial_cancel_partly_handed_off',
  // A two-warehouse order (its labels slowed), one shipment cancelled before the handoff; the other ships.
  'cancel_one_before_handoff',
  // A two-warehouse order (one handoff slowed): the other parcel ships (the WMS calls back), then the whole order is cancelled.
  'cancel_after_a_shipment_shipped',
  // An order captured and waiting for the ERP (down for this order alone), cancelled there.
  'cancel_at_erp_step',
] as const;
export type SteeredCase = (typeof STEERED_CASES)[number];

export interface SteeredLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface SteeredOrder {
  index: number;
  case: SteeredCase;
  /** 0 for the first order steered to this case, 1 for the second. */
  instance: number;
  lines: SteeredLine[];
}

/** The shape of each steered order: fixed, so a case always has the shipments it needs. */
export const STEERED_LINES: Record<SteeredCase, SteeredLine[]> = {
  park_then_retry: [{ sku: 'CHAOS-05', quantity: 1, unitPriceCents: 1200 }],
  // Also an order repeating a SKU at another price.
  park_then_compensate: [
    { sku: 'CHAOS-06', quantity: 1, unitPriceCents: 1500 },
    { sku: 'CHAOS-06', quantity: 2, unitPriceCents: 900 },
  ],
  park_then_cancel: [{ sku: 'CHAOS-07', quantity: 1, unitPriceCents: 800 }],
  partial_cancel_all_handed_off: [
    { sku: 'CHAOS-EAST-ONLY', quantity: 1, unitPriceCents: 1100 },
    { sku: 'CHAOS-WEST-ONLY', quantity: 1, unitPriceCents: 1300 },
  ],
  partial_cancel_partly_handed_off: [
    { sku: 'CHAOS-EAST-ONLY', quantity: 1, unitPriceCents: 700 },
    { sku: 'CHAOS-CENTRAL-ONLY', quantity: 1, unitPriceCents: 900 },
    { sku: 'CHAOS-WEST-ONLY', quantity: 2, unitPriceCents: 600 },
  ],
  cancel_one_before_handoff: [
    { sku: 'CHAOS-EAST-ONLY', quantity: 1, unitPriceCents: 1000 },
    { sku: 'CHAOS-CENTRAL-ONLY', quantity: 1, unitPriceCents: 1000 },
  ],
  cancel_after_a_shipment_shipped: [
    { sku: 'CHAOS-CENTRAL-ONLY', quantity: 1, unitPriceCents: 1400 },
    { sku: 'CHAOS-WEST-ONLY', quantity: 1, unitPriceCents: 1600 },
  ],
  cancel_at_erp_step: [{ sku: 'CHAOS-08', quantity: 2, unitPriceCents: 1000 }],
};

/**
 * Where in the load the steered orders go, as fractions of the order count: early, before the fault schedule's WMS
 * outage (at 30% of the fault window), so their handoffs and the staff actions meet a WMS that answers. The second
 * window is used from `TWICE_FROM` orders on (the default size), so each case is arranged twice.
 */
export const STEERING_WINDOWS: readonly [number, number][] = [
  [0.02, 0.1],
  [0.12, 0.22],
];
export const TWICE_FROM = 500;

/**
 * Which orders are steered to which case, for a run of `count` orders on `seed`: every case once (twice from
 * TWICE_FROM orders), each at a seeded index in its window, no index twice. A run too small for its windows uses
 * any free index; a run of fewer orders than cases steers only the first cases. Sorted by index.
 */
export function steeringPlan(seed: number, count: number): SteeredOrder[] {
  const random = seededRandom((seed ^ 0x5eed5) >>> 0);
  const taken = new Set<number>();
  const plan: SteeredOrder[] = [];
  const instances = count >= TWICE_FROM ? 2 : 1;
  const free = (from: number, to: number) => {
    const slots: number[] = [];
    for (let i = Math.max(0, from); i <= Math.min(count - 1, to); i++) if (!taken.has(i)) slots.push(i);
    return slots;
  };
  for (let instance = 0; instance < instances; instance++) {
    const [a, b] = STEERING_WINDOWS[instance]!;
    for (const steered of STEERED_CASES) {
      let slots = free(Math.floor(count * a), Math.ceil(count * b) - 1);
      if (slots.length === 0) slots = free(0, count - 1);
      if (slots.length === 0) break;
      const index = random.pick(slots);
      taken.add(index);
      plan.push({ index, case: steered, instance, lines: STEERED_LINES[steered] });
    }
  }
  return plan.sort((x, y) => x.index - y.index);
}

/** What became of one steered order: whether its case was reached, and what staff met. */
export interface SteeredOutcome {
  case: SteeredCase;
  index: number;
  orderId: string;
  reached: boolean;
  /** The stage staff saw when they acted, and the API's answer (e.g. "202, 1 refused"); or why the case was missed. */
  detail: string;
}

type Act = { kind: 'resolve'; action: 'retry' | 'compensate' } | { kind: 'cancel'; refuse?: string; named?: string };

/**
 * What staff do with a steered order as they see it now (pure): nothing yet (wait), an action, or, for a stage the
 * case can no longer reach, nothing ever (`missed`). Parks outside the case's own are the after-care's business.
 */
export function steeredAct(steered: SteeredCase, order: OrderLook): Act | 'wait' | 'missed' | 'ship_one' {
  const stage = stageOf(order);
  if (stage === 'ended') return 'missed';
  const live = order.shipments.filter((s) => s.status !== 'cancelled');
  const handedOff = live.filter((s) => s.status === 'handed_off');
  const shipped = live.some((s) => s.status === 'shipped');
  switch (steered) {
    case 'park_then_retry':
      return stage === 'parked' ? { kind: 'resolve', action: 'retry' } : 'wait';
    case 'park_then_compensate':
      // Staff never give up an order one of whose parcels left (scripts/chaos/staff.ts).
      if (stage === 'parked') return shipped ? 'missed' : { kind: 'resolve', action: 'compensate' };
      return 'wait';
    case 'park_then_cancel':
      return stage === 'parked' ? { kind: 'cancel' } : 'wait';
    case 'partial_cancel_all_handed_off':
    case 'partial_cancel_partly_handed_off': {
      const want: CancelStage = steered === 'partial_cancel_all_handed_off' ? 'all_handed_off' : 'partly_handed_off';
      // One stage late is still a partial cancel (the WMS refuses one, or a parcel has shipped).
      const late: CancelStage[] = steered === 'partial_cancel_all_handed_off' ? ['after_a_shipment_shipped', 'erp_step'] : ['all_handed_off', 'after_a_shipment_shipped'];
      if (live.length < 2) return stage === 'before_handoff' || stage === 'parked' ? 'wait' : 'missed';
      if (stage === want || late.includes(stage)) return handedOff.length > 0 ? { kind: 'cancel', refuse: handedOff[0]!.shipmentId } : shipped ? { kind: 'cancel' } : 'wait';
      return ['before_handoff', 'partly_handed_off', 'parked'].includes(stage) ? 'wait' : 'missed';
    }
    case 'cancel_one_before_handoff':
      if (stage === 'before_handoff' && live.length >= 2) return { kind: 'cancel', named: live[live.length - 1]!.shipmentId };
      return stage === 'before_handoff' || stage === 'parked' ? 'wait' : 'missed';
    case 'cancel_after_a_shipment_shipped':
      if (stage === 'after_a_shipment_shipped') return { kind: 'cancel' };
      if ((stage === 'partly_handed_off' || stage === 'all_handed_off') && handedOff.length > 0) return 'ship_one';
      return ['before_handoff', 'partly_handed_off', 'parked'].includes(stage) ? 'wait' : 'missed';
    case 'cancel_at_erp_step':
      // A park (its ERP step given up before staff saw it, or an earlier step) is resolved with retry: the ERP step comes again.
      if (stage === 'erp_step') return { kind: 'cancel' };
      return stage === 'compensating' ? 'missed' : 'wait';
  }
}

/** Whether a staff answer reached the case: a partial cancel must come back 202 with a refusal, the rest 202. */
export function answerReaches(steered: SteeredCase, status: number, refused: number): boolean {
  if (status !== 202) return false;
  return steered.startsWith('partial_cancel') ? refused > 0 : true;
}

/** The vendor rules scoped to one steered order, set before it is placed (system, scope, rule). */
export function arrangementsFor(steered: SteeredCase, orderId: string): { system: 'payment' | 'carrier' | 'wms' | 'erp'; scope: string; rule: Record<string, unknown> }[] {
  switch (steered) {
    case 'park_then_retry':
    case 'park_then_compensate':
    case 'park_then_cancel':
      return [{ system: 'carrier', scope: orderId, rule: { outage: true } }];
    // Slowdowns stay well under the vendor client's 3 s timeout; a step is held back by a few refused attempts
    // (0.5 + 1 + 2 s of backoff), never so many that it parks.
    case 'partial_cancel_all_handed_off':
      // Its payment calls take 1 s: every shipment is out and the order not yet captured for that long.
      return [{ system: 'payment', scope: orderId, rule: { latencyMs: 1_000 } }];
    case 'partial_cancel_partly_handed_off':
      return [{ system: 'wms', scope: `${orderId}-s1`, rule: { failNext: 3 } }];
    case 'cancel_after_a_shipment_shipped':
      // The second shipment's handoff is held back: the first is handed off and ships before the order is captured.
      return [{ system: 'wms', scope: `${orderId}-s2`, rule: { failNext: 3 } }];
    case 'cancel_one_before_handoff':
      return [{ system: 'carrier', scope: orderId, rule: { failNext: 3 } }];
    case 'cancel_at_erp_step':
      return [{ system: 'erp', scope: orderId, rule: { outage: true } }];
    default:
      return [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the plan: `linesFor(i)` gives a steered order its shape, `beforePlace(i, key)` scopes its vendor rules to it
 * (its id follows from its Idempotency-Key), `placed(i, orderId)` starts watching it. Each watched order is looked
 * up every `pollMs` as staff would; at its stage staff act (through the desk's hands, so it is counted like any
 * other action) and its vendor rules are lifted; any park after that is resolved with retry, as a human would.
 */
export function runSteering(options: { plan: SteeredOrder[]; simUrl: string; db: Database; hands: StaffHands; webhookSecret: string; apiUrl: () => string; log: (line: string) => void; pollMs?: number }) {
  const byIndex = new Map(options.plan.map((s) => [s.index, s]));
  const steeredIds = new Set<string>();
  const outcomes: SteeredOutcome[] = [];
  const watching: Promise<void>[] = [];
  let stopped = false;
  const pollMs = options.pollMs ?? 250;
  const rule = (system: string, body: Record<string, unknown>) =>
    fetch(`${options.simUrl}/_sim/${system}/behavior`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.arrayBuffer());
  const arrange = async (steered: SteeredOrder, orderId: string) => {
    for (const a of arrangementsFor(steered.case, orderId)) await rule(a.system, { scope: a.scope, ...a.rule }).catch(() => undefined);
  };
  const lift = async (steered: SteeredOrder, orderId: string) => {
    for (const a of arrangementsFor(steered.case, orderId)) await fetch(`${options.simUrl}/_sim/${a.system}/behavior?scope=${a.scope}`, { method: 'DELETE' }).then((r) => r.arrayBuffer()).catch(() => undefined);
  };

  /** A parcel leaves the warehouse: the WMS ships the task and calls back (the simulator does, and so do we, signed). */
  const shipOne = async (orderId: string, order: OrderLook) => {
    const one = order.shipments.find((s) => s.status === 'handed_off');
    if (!one) return;
    const [row] = await options.db.select({ taskId: shipments.wmsTaskId, tracking: shipments.trackingNumber }).from(shipments).where(eq(shipments.id, one.shipmentId));
    if (!row?.taskId) return;
    const res = await fetch(`${options.simUrl}/_sim/wms/tasks/${row.taskId}/ship`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await res.arrayBuffer();
    if (res.status !== 200) return;
    const body = JSON.stringify({ event: 'task.shipped', taskId: row.taskId, reference: orderId, shipmentId: one.shipmentId, trackingNumber: row.tracking, shippedAt: new Date().toISOString() });
    await fetch(`${options.apiUrl()}/webhooks/wms`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(options.webhookSecret, body) }, body })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
  };

  // Steered orders whose staff action is still to come (their vendor rules still meant to hold).
  const pending = new Map<string, SteeredOrder>();
  const watch = async (steered: SteeredOrder, orderId: string) => {
    const outcome: SteeredOutcome = { case: steered.case, index: steered.index, orderId, reached: false, detail: 'not acted on' };
    outcomes.push(outcome);
    pending.set(orderId, steered);
    let acted = false;
    let shippedOne = false;
    let lastResolve = 0;
    let tries = 0;
    let parks = 0;
    while (!stopped) {
      await sleep(pollMs);
      const order = await options.hands.look(orderId);
      if (!order) continue;
      const stage = stageOf(order);
      if (stage === 'ended') {
        if (!acted) outcome.detail = `ended ${order.status} before its stage`;
        break;
      }
      if (!acted) {
        const act = steeredAct(steered.case, order);
        if (act === 'wait' && stage !== 'parked') continue;
        if (act === 'ship_one') {
          if (!shippedOne) {
            shippedOne = true;
            await shipOne(orderId, order).catch(() => undefined);
          }
          continue;
        }
        if (act !== 'wait') {
          acted = true;
          pending.delete(orderId);
          // An outage scoped to the order is lifted before staff act (what they do needs that vendor); a slowdown after.
          const outage = arrangementsFor(steered.case, orderId).some((a) => a.rule.outage);
          if (act === 'missed' || outage) await lift(steered, orderId);
          if (act === 'missed') {
            outcome.detail = `missed: seen at ${stage}`;
            continue;
          }
          if (act.kind === 'resolve') {
            const status = await options.hands.resolve(orderId, act.action);
            lastResolve = Date.now();
            outcome.reached = status === 202;
            outcome.detail = `${act.action} at ${stage}: ${status}`;
            if (status === 409 && tries < 4) {
              tries += 1;
              acted = false;
              pending.set(orderId, steered);
              await sleep(1_000);
              continue;
            }
          } else {
            const answer = await options.hands.cancel(orderId, order, { refuse: act.refuse, named: act.named, reason: `chaos: steered ${steered.case}` });
            outcome.reached = answerReaches(steered.case, answer.status, answer.refused);
            outcome.detail = `cancel at ${answer.stage}: ${answer.status}, ${answer.refused} refused${answer.detail ? ` (${answer.detail})` : ''}`;
            // Refused for now (the saga has not yet taken in the shipments the database shows, say) or not answered
            // (the API was killed): staff try again while the order is still at its stage, a few times.
            if ((answer.status === 409 || answer.status === 0) && tries < 4) {
              tries += 1;
              acted = false;
              pending.set(orderId, steered);
              options.log(`steered ${steered.case} (#${steered.index}, ${orderId}): ${outcome.detail}; again in 1 s`);
              await sleep(1_000);
              continue;
            }
            await lift(steered, orderId);
          }
          options.log(`steered ${steered.case} (#${steered.index}, ${orderId}): ${outcome.detail}`);
          continue;
        }
      }
      // After-care: a park that is not the case's own (or after it) is resolved with retry, as a human would, its
      // vendor rules lifted (at the second such park for the ERP step case, whose park may be its ERP step given up).
      if (stage === 'parked' && Date.now() - lastResolve > 5_000) {
        lastResolve = Date.now();
        parks += 1;
        if (acted || steered.case !== 'cancel_at_erp_step' || parks > 1) {
          pending.delete(orderId);
          await lift(steered, orderId);
        }
        await options.hands.resolve(orderId, 'retry');
      }
    }
    pending.delete(orderId);
    await lift(steered, orderId);
  };

  return {
    outcomes,
    isSteered: (orderId: string) => steeredIds.has(orderId),
    linesFor: (index: number) => byIndex.get(index)?.lines,
    /** Scopes the order's vendor rules to it before it exists: its id is derived from its Idempotency-Key. */
    beforePlace: async (index: number, idempotencyKey: string) => {
      const steered = byIndex.get(index);
      if (!steered) return;
      const orderId = orderIdFor(idempotencyKey);
      steeredIds.add(orderId);
      await arrange(steered, orderId);
    },
    placed: (index: number, orderId: string) => {
      const steered = byIndex.get(index);
      if (!steered) return;
      if (!steeredIds.has(orderId)) {
        // Not the id the key predicted (an owner-scoped key): arranged late, which may race the saga's first steps.
        options.log(`steered #${index}: order id ${orderId} was not the one predicted; its vendor rules are set late`);
        steeredIds.add(orderId);
        void arrange(steered, orderId);
      }
      watching.push(watch(steered, orderId).catch((err) => options.log(`steered #${index} (${orderId}): ${(err as Error).message}`)));
    },
    /**
     * Sets the vendor rules of every steered order not yet acted on again: the fault schedule's end resets the
     * simulators, and a saga running late (a loaded machine) has not reached the step they were meant for.
     */
    rearm: async () => {
      for (const [orderId, steered] of pending) await arrange(steered, orderId);
    },
    /** Waits for every watched order to end (or `stop` to be called); lifts what is left. */
    stop: async () => {
      stopped = true;
      await Promise.all(watching);
    },
    report: () => ({
      planned: options.plan.length,
      reached: outcomes.filter((o) => o.reached).length,
      orders: [...outcomes].sort((a, b) => a.index - b.index),
    }),
  };
}
