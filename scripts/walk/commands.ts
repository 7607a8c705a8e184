import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { SIGNATURE_HEADER, signPayload } from '../../lib/shipment/wmsSignature';
import { isTerminalStatus } from '../../workflows/order/contract';
import { http, sleep } from './env';
import { WAREHOUSES } from './spec';
import type { MailFaultKind } from './mailChaos';
import { SIMULATED_SYSTEMS, SYSTEMS, type System, type WalkModel, type World } from './world';

type Command = fc.AsyncCommand<WalkModel, World>;

/** An answer no caller should ever get from the API: an unhandled error. */
function expectNoServerError(what: string, res: { status: number; body: any }) {
  if (res.status === 500) throw new Error(`${what} answered 500: ${JSON.stringify(res.body).slice(0, 300)}`);
}

const SLOW_SYSTEMS: System[] = ['payment', 'carrier', 'wms', 'erp'];

const shipmentIdOf = (orderId: string, k: number) => `${orderId}-s${k + 1}`;

/** Places one or more of the walk's orders at once (at once, so they contest the last units). */
export class PlaceOrders implements Command {
  constructor(readonly orders: number[]) {}
  check = (m: Readonly<WalkModel>) => this.orders.some((o) => o < m.orders && !m.placed.has(o));
  async run(m: WalkModel, w: World) {
    const now = this.orders.filter((o) => o < m.orders && !m.placed.has(o));
    for (const o of now) {
      m.placed.add(o);
      w.placementOrder.push(o);
    }
    await Promise.all(now.map((o) => place(w, o)));
  }
  toString = () => `place(${this.orders.join(',')})`;
}

async function place(w: World, o: number) {
  const spec = w.spec.orders[o]!;
  const body = {
    customerId: `walk-${o}`,
    email: `walker${o}@example.com`,
    currency: 'USD',
    lines: spec.lines.map((l) => ({ sku: w.skus[l.sku]!, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
    shippingAddress: spec.west ? { name: 'Walker W', line1: '1 Pike St', city: 'Seattle', postalCode: '98101', country: 'US' } : { name: 'Walker E', line1: '1 Main St', city: 'Boston', postalCode: '02110', country: 'US' },
    paymentToken: spec.declined ? 'tok_chargeDeclined' : 'tok_visa',
  };
  // Retried with the same key until answered, as a checkout service would.
  for (let attempt = 0; attempt < 40; attempt++) {
    const res = await http(`${w.env.apiUrl}/orders`, { body, token: w.env.checkoutToken, headers: { 'idempotency-key': `walk-${w.walkId}-${o}` } });
    expectNoServerError('POST /orders', res);
    if (res.status === 202) {
      const id = res.body.orderId as string;
      w.orderIds[o] = id;
      // Every vendor answers this order slowly (150–300 ms), so a saga lasts seconds and commands land inside it.
      w.faultScopes.add(id);
      await Promise.all(SLOW_SYSTEMS.map((system) => http(`${w.env.simUrl}/_sim/${system}/behavior`, { body: { latencyMs: 150, jitterMs: 150, scope: id } })));
      return;
    }
    if (res.status > 0 && res.status < 500 && res.status !== 429) return; // refused (e.g. out of stock): no order
    await sleep(250);
  }
  throw new Error(`order ${o} was never answered`);
}

const STAGES = ['processing', 'labelled', 'handed_off', 'captured', 'needs_attention', 'ended'] as const;
type Stage = (typeof STAGES)[number];

/** Waits (up to 4 s) until an order reaches a stage of its saga, so the next command lands right there. */
export class WaitFor implements Command {
  constructor(
    readonly order: number,
    readonly stage: Stage,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    const deadline = Date.now() + 4_000;
    while (Date.now() < deadline) {
      const [row] = await w.env.db.execute<{ status: string }>(sql`select status from orders where id = ${id}`);
      const status = row?.status ?? 'missing';
      if (status === this.stage || (this.stage === 'ended' && isTerminalStatus(status))) return;
      if (isTerminalStatus(status)) return;
      await sleep(40);
    }
  }
  toString = () => `waitFor(${this.order}, ${this.stage})`;
}

export class Pause implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run() {
    await sleep(this.ms);
  }
  toString = () => `pause(${this.ms})`;
}

/**
 * Staff cancel the whole order, or only some of its shipments (by index: s1, s2), now or the moment the saga
 * reaches a stage (before, during and after the handoffs, while parked, during the ERP step).
 */
export class Cancel implements Command {
  constructor(
    readonly order: number,
    readonly shipments: number[] | null,
    readonly at: Stage | null = null,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(m: WalkModel, w: World) {
    if (this.at) await new WaitFor(this.order, this.at).run(m, w);
    const id = w.orderIdAt(this.order);
    if (!id) return;
    const body = this.shipments ? { reason: 'walk: customer keeps the rest', shipmentIds: this.shipments.map((k) => shipmentIdOf(id, k)) } : { reason: 'walk: customer changed their mind' };
    const res = await http(`${w.env.apiUrl}/orders/${id}/cancel`, { body, token: w.env.staffToken, timeoutMs: 20_000 });
    expectNoServerError('POST /orders/:id/cancel', res);
  }
  toString = () => `cancel(${this.order}${this.shipments ? `, [${this.shipments.map((k) => `s${k + 1}`).join(',')}]` : ''}${this.at ? ` at ${this.at}` : ''})`;
}

/** The WMS refuses to cancel the order's tasks (or one shipment's): the warehouse has started picking. */
export class RefuseWmsCancellation implements Command {
  constructor(
    readonly order: number,
    readonly shipment: number | null,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    const scope = this.shipment === null ? id : shipmentIdOf(id, this.shipment);
    w.faultScopes.add(scope);
    await http(`${w.env.simUrl}/_sim/wms/cancellations`, { body: { mode: 'refuse', scope } });
  }
  toString = () => `wmsRefusesCancel(${this.order}${this.shipment === null ? '' : `, s${this.shipment + 1}`})`;
}

/**
 * The card's authorization lapses at the gateway now, whatever the saga expects of its `expiresAt` (a bank's
 * early release, a park longer than the capture window): the capture must renew it or fail cleanly, never leave
 * money held or a parcel unpaid without a story.
 */
export class LapseAuthorization implements Command {
  constructor(readonly order: number) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    const records = await http(`${w.env.simUrl}/_sim/payment/records?reference=${encodeURIComponent(id)}`);
    const held = ((records.body?.records ?? []) as { type: string; id: string; status: string }[]).filter((r) => r.type === 'payment_intent' && r.status === 'requires_capture');
    for (const pi of held) await http(`${w.env.simUrl}/_sim/payment/payment_intents/${pi.id}/expire`, { body: {} });
  }
  toString = () => `lapseAuthorization(${this.order})`;
}

/** The parcel leaves the warehouse: the WMS calls back, and the same callback arrives `times - 1` more times. */
export class Ship implements Command {
  constructor(
    readonly order: number,
    readonly shipment: number,
    readonly times: number,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    const [s] = await w.env.db.execute<{ id: string; wms_task_id: string | null; tracking_number: string | null }>(
      sql`select id, wms_task_id, tracking_number from shipments where id = ${shipmentIdOf(id, this.shipment)}`,
    );
    if (!s?.wms_task_id) return;
    const shipped = await http(`${w.env.simUrl}/_sim/wms/tasks/${s.wms_task_id}/ship`, { body: {} });
    if (shipped.status !== 200) return;
    const body = JSON.stringify({ event: 'task.shipped', taskId: s.wms_task_id, reference: id, shipmentId: s.id, trackingNumber: s.tracking_number, shippedAt: new Date().toISOString() });
    for (let i = 1; i < this.times; i++) {
      const res = await http(`${w.env.apiUrl}/webhooks/wms`, { body, headers: { [SIGNATURE_HEADER]: signPayload(w.env.webhookSecret, body) } });
      expectNoServerError('POST /webhooks/wms', res);
    }
  }
  toString = () => `ship(${this.order}, s${this.shipment + 1}, ×${this.times})`;
}

export const FAULTS = {
  outage: { outage: true },
  lostAnswers: { lostResponseRate: 1 },
  someLostAnswers: { lostResponseRate: 0.5 },
  failNext2: { failNext: 2 },
  hang: { hangMs: 2_500 },
} as const;
type FaultKind = keyof typeof FAULTS;

/** A vendor breaks for one order (or one shipment: carrier and WMS calls name it): until healed, or the walk's end. */
export class Fault implements Command {
  constructor(
    readonly system: System,
    readonly order: number,
    readonly shipment: number | null,
    readonly kind: FaultKind,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    const scope = this.shipment === null || (this.system !== 'carrier' && this.system !== 'wms') ? id : shipmentIdOf(id, this.shipment);
    w.faultScopes.add(scope);
    await http(`${w.env.simUrl}/_sim/${this.system}/behavior`, { body: { ...FAULTS[this.kind], scope } });
  }
  toString = () => `fault(${this.system}, ${this.order}${this.shipment === null ? '' : `, s${this.shipment + 1}`}, ${this.kind})`;
}

/** E-mail breaks for one order: Mailpit's chaos refuses (451) or bounces (550) its confirmation (scripts/walk/mailChaos.ts). */
export class MailFault implements Command {
  constructor(
    readonly order: number,
    readonly kind: MailFaultKind,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    await w.env.mail.break(id, this.kind);
  }
  toString = () => `mailFault(${this.order}, ${this.kind})`;
}

export class Heal implements Command {
  constructor(
    readonly system: System,
    readonly order: number,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    if (this.system === 'notifications') return w.env.mail.heal([id]);
    const scopes = [id, ...[0, 1, 2].map((k) => shipmentIdOf(id, k))];
    await Promise.all(scopes.map((scope) => http(`${w.env.simUrl}/_sim/${this.system}/behavior?scope=${encodeURIComponent(scope)}`, { method: 'DELETE' })));
  }
  toString = () => `heal(${this.system}, ${this.order})`;
}

/**
 * The customer (or staff) asks to return units of one line, once the parcel reached them: the order's handed-off
 * shipments ship first (their WMS callbacks), then the return is asked for whatever the moment: more than shipped
 * minus returning (409), a line the order lacks (422), nothing shipped yet (409), or accepted (202); retried with
 * the same key until answered.
 */
export class RequestReturn implements Command {
  constructor(
    readonly order: number,
    readonly line: number,
    readonly quantity: number,
    readonly byStaff: boolean,
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    // The parcel reaches the customer first: wait (up to 4 s) for a handoff, then ship what was handed off.
    for (const deadline = Date.now() + 4_000; Date.now() < deadline; await sleep(50)) {
      const [handed] = await w.env.db.execute<{ n: number }>(sql`select count(*)::int as n from shipments where order_id = ${id} and wms_task_id is not null`);
      if (handed!.n > 0) break;
    }
    for (const k of [0, 1, 2]) await new Ship(this.order, k, 1).run(_m, w);
    // The WMS's callback is on its way: the customer has the parcel once Hotpath has heard of it (up to 2 s).
    for (const deadline = Date.now() + 2_000; Date.now() < deadline; await sleep(50)) {
      const [shipped] = await w.env.db.execute<{ n: number }>(sql`select count(*)::int as n from shipments where order_id = ${id} and status = 'shipped'`);
      if (shipped!.n > 0) break;
    }
    const key = `walk-${w.walkId}-return-${w.returnKeys++}`;
    // A line of the order (its spec), for some of its units; ×3 asks one more than the line has (a 409).
    const spec = w.spec.orders[w.placementOrder[this.order % w.placementOrder.length]!]!;
    const k = this.line % spec.lines.length;
    const units = spec.lines[k]!.quantity;
    const body = { lines: [{ line: k + 1, quantity: this.quantity === 3 ? units + 1 : Math.min(this.quantity, units) }], reason: 'walk: does not fit', resolution: 'refund' };
    for (let attempt = 0; attempt < 40; attempt++) {
      const res = await http(`${w.env.apiUrl}/orders/${id}/returns`, { body, token: this.byStaff ? w.env.staffToken : w.env.checkoutToken, headers: { 'idempotency-key': key } });
      expectNoServerError('POST /orders/:id/returns', res);
      if (res.status === 202) {
        if (!w.returns.some((r) => r.returnId === res.body.returnId)) w.returns.push({ orderId: id, returnId: res.body.returnId });
        return;
      }
      if (res.status > 0 && res.status !== 429 && res.status !== 503) return; // refused: nothing to return (yet), or no such line
      await sleep(250);
    }
  }
  toString = () => `return(${this.order}, line ${this.line + 1}, ×${this.quantity}${this.byStaff ? ', by staff' : ''})`;
}

/** The warehouse counts a return's parcel: some units damaged, some missing (a callback the simulator signs and sends). */
export class ReceiveReturn implements Command {
  constructor(
    readonly n: number,
    readonly damaged: number,
    readonly missing: number,
  ) {}
  check = () => true;
  async run(_m: WalkModel, w: World) {
    if (w.returns.length === 0) return;
    // Counted from the latest return back (0: the latest), so a count mostly meets a return on its way.
    const { returnId } = w.returns[w.returns.length - 1 - (this.n % w.returns.length)]!;
    const lines = await w.env.db.execute<{ sku: string; quantity: number }>(sql`select sku, sum(quantity)::int as quantity from return_lines where return_id = ${returnId} group by sku order by sku`);
    let damaged = this.damaged;
    let missing = this.missing;
    const counted = lines.flatMap(({ sku, quantity }) => {
      const gone = Math.min(missing, quantity);
      missing -= gone;
      const broken = Math.min(damaged, quantity - gone);
      damaged -= broken;
      return [
        { sku, quantity: quantity - gone - broken, condition: 'resellable' as const },
        { sku, quantity: broken, condition: 'damaged' as const },
      ].filter((l) => l.quantity > 0);
    });
    // 404: not expected (yet, or any more: cancelled, expired); 200: counted (a repeat announces the first count).
    const res = await http(`${w.env.simUrl}/_sim/wms/returns/${returnId}/receive`, { body: { lines: counted } });
    if (res.status >= 500) throw new Error(`receive ${returnId} answered ${res.status}`);
  }
  toString = () => `receiveReturn(${this.n}, ${this.damaged} damaged, ${this.missing} missing)`;
}

/** The customer or staff cancel a return: before its receipt it is cancelled, after it a 409. */
export class CancelReturn implements Command {
  constructor(readonly n: number) {}
  check = () => true;
  async run(_m: WalkModel, w: World) {
    if (w.returns.length === 0) return;
    const { orderId, returnId } = w.returns[this.n % w.returns.length]!;
    expectNoServerError('POST /orders/:id/returns/:returnId/cancel', await http(`${w.env.apiUrl}/orders/${orderId}/returns/${returnId}/cancel`, { body: { reason: 'walk: kept it' }, token: w.env.staffToken }));
  }
  toString = () => `cancelReturn(${this.n})`;
}

/** Staff decide on a parked order (a 409 when it is not parked is a fine answer). */
export class Resolve implements Command {
  constructor(
    readonly order: number,
    readonly action: 'retry' | 'compensate',
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(_m: WalkModel, w: World) {
    const id = w.orderIdAt(this.order);
    if (!id) return;
    expectNoServerError('POST /orders/:id/resolve', await http(`${w.env.apiUrl}/orders/${id}/resolve`, { body: { action: this.action }, token: w.env.staffToken }));
  }
  toString = () => `resolve(${this.order}, ${this.action})`;
}

/**
 * Two people decide on the same park at once (issue 21, defect 5): once it is parked, two resolves are sent
 * together. Neither may be a 500; an accepted decision names the parks it answers, and two never answer the same
 * park (each park has its own identity; the second decision on a decided park is a 409 that names the first).
 */
export class DecideTwice implements Command {
  constructor(
    readonly order: number,
    readonly first: 'retry' | 'compensate',
    readonly second: 'retry' | 'compensate',
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(m: WalkModel, w: World) {
    await new WaitFor(this.order, 'needs_attention').run(m, w);
    const id = w.orderIdAt(this.order);
    if (!id) return;
    const decide = (action: string) => http(`${w.env.apiUrl}/orders/${id}/resolve`, { body: { action }, token: w.env.staffToken });
    const answers = await Promise.all([decide(this.first), decide(this.second)]);
    for (const res of answers) expectNoServerError('POST /orders/:id/resolve', res);
    const accepted = answers.filter((r) => r.status === 202).map((r) => ((r.body?.parks ?? []) as { parkId: string }[]).map((p) => p.parkId));
    // A decision the saga accepted answers a park it names (a 202 naming none was acted on by nothing).
    if (accepted.some((parks) => parks.length === 0)) throw new Error(`a decision on ${id} was accepted for no park: ${JSON.stringify(answers.map((a) => a.body))}`);
    const both = accepted.length === 2 ? accepted[0]!.filter((p) => accepted[1]!.includes(p)) : [];
    if (both.length > 0) throw new Error(`two decisions taken at once both answered ${both.join(', ')} of ${id}`);
  }
  toString = () => `decideTwice(${this.order}, ${this.first}, ${this.second})`;
}

/** A reconciliation of the walk's SKUs, on demand, whatever is in flight. */
export class Reconcile implements Command {
  check = () => true;
  async run(_m: WalkModel, w: World) {
    const status = await w.reconcile();
    if (status === 500) throw new Error('POST /admin/reconcile answered 500');
  }
  toString = () => 'reconcile()';
}

/**
 * A vendor stays down for one order until its saga parks it for a human, then a reconciliation runs while the
 * order waits with its units held, then the vendor is back: holds under a parked order must survive it.
 */
export class ReconcileWhileParked implements Command {
  constructor(
    readonly order: number,
    readonly system: 'carrier' | 'wms' | 'erp',
  ) {}
  check = (m: Readonly<WalkModel>) => m.placed.size > 0;
  async run(m: WalkModel, w: World) {
    await new Fault(this.system, this.order, null, 'outage').run(m, w);
    await new WaitFor(this.order, 'needs_attention').run(m, w);
    await new Reconcile().run(m, w);
    await new Heal(this.system, this.order).run(m, w);
  }
  toString = () => `reconcileWhileParked(${this.order}, ${this.system} down)`;
}

/** The ERP's stock changes under Hotpath: a delivery arrives, or units are found missing (never below what the walk may sell). */
export class ErpStockChange implements Command {
  constructor(
    readonly sku: number,
    readonly warehouse: number,
    readonly delta: number,
  ) {}
  check = () => true;
  async run(_m: WalkModel, w: World) {
    const k = this.sku % w.skus.length;
    const sku = w.skus[k]!;
    const warehouse = WAREHOUSES[this.warehouse]!;
    let delta = this.delta;
    if (delta < 0) {
      const now = await http(`${w.env.simUrl}/erp/stock?sku=${encodeURIComponent(sku)}`);
      const onHand = (now.body?.stock as { warehouse: string; onHand: number }[] | undefined)?.find((r) => r.warehouse === warehouse)?.onHand ?? 0;
      delta = -Math.min(-delta, Math.max(0, onHand - w.demandOf(k)));
      if (delta === 0) return;
    }
    const res = await http(`${w.env.simUrl}/_sim/erp/stock/adjust`, { body: { sku, warehouse, delta } });
    if (res.status !== 200) throw new Error(`ERP stock adjust: ${res.status}`);
    const key = `${sku}@${warehouse}`;
    w.expectedStock.set(key, (w.expectedStock.get(key) ?? 0) + (res.body.applied as number));
    w.erpChanges.set(key, (w.erpChanges.get(key) ?? 0) + (res.body.applied as number));
  }
  toString = () => `erpStock(sku${this.sku}, ${WAREHOUSES[this.warehouse]}, ${this.delta > 0 ? '+' : ''}${this.delta})`;
}

export class KillWorker implements Command {
  check = () => true;
  async run(_m: WalkModel, w: World) {
    await w.env.killWorker();
  }
  toString = () => 'kill -9 worker';
}

const order = fc.nat(2);
const shipment = fc.nat(2);
const system = fc.constantFrom<System>(...SIMULATED_SYSTEMS);

/** Every command a walk can take, weighted so that orders get placed early and faults meet them mid-saga. */
export function commandArbitrary(): fc.Arbitrary<Command> {
  return fc.oneof(
      { weight: 3, arbitrary: fc.uniqueArray(order, { minLength: 1, maxLength: 3 }).map((os) => new PlaceOrders(os)) },
      { weight: 4, arbitrary: fc.tuple(order, fc.constantFrom(...STAGES)).map(([o, s]) => new WaitFor(o, s)) },
      { weight: 1, arbitrary: fc.constantFrom(0, 150, 500).map((ms) => new Pause(ms)) },
      { weight: 5, arbitrary: fc.tuple(order, fc.option(fc.uniqueArray(fc.nat(1), { minLength: 1, maxLength: 2 }), { nil: null, freq: 3 }), fc.option(fc.constantFrom('labelled', 'handed_off', 'captured', 'needs_attention') as fc.Arbitrary<Stage>, { nil: null })).map(([o, s, at]) => new Cancel(o, s, at)) },
      { weight: 1, arbitrary: fc.tuple(order, fc.option(shipment, { nil: null })).map(([o, s]) => new RefuseWmsCancellation(o, s)) },
      { weight: 1, arbitrary: order.map((o) => new LapseAuthorization(o)) },
      { weight: 2, arbitrary: fc.tuple(order, shipment, fc.integer({ min: 1, max: 3 })).map(([o, s, n]) => new Ship(o, s, n)) },
      { weight: 2, arbitrary: fc.tuple(order, fc.nat(2), fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([o, l, q, staff]) => new RequestReturn(o, l, q, staff)) },
      { weight: 3, arbitrary: fc.tuple(fc.nat(3), fc.nat(2), fc.nat(1)).map(([n, d, miss]) => new ReceiveReturn(n, d, miss)) },
      { weight: 1, arbitrary: fc.nat(3).map((n) => new CancelReturn(n)) },
      { weight: 3, arbitrary: fc.tuple(system, order, fc.option(shipment, { nil: null }), fc.constantFrom<FaultKind>('outage', 'lostAnswers', 'someLostAnswers', 'failNext2', 'hang')).map(([v, o, s, k]) => new Fault(v, o, s, k)) },
      { weight: 1, arbitrary: fc.tuple(order, fc.constantFrom<MailFaultKind>('refuseAll', 'refuseHalf', 'bounce')).map(([o, k]) => new MailFault(o, k)) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom<System>(...SYSTEMS), order).map(([v, o]) => new Heal(v, o)) },
      { weight: 1, arbitrary: fc.tuple(order, fc.constantFrom<'retry' | 'compensate'>('retry', 'compensate')).map(([o, a]) => new Resolve(o, a)) },
      { weight: 1, arbitrary: fc.tuple(order, fc.constantFrom<'retry' | 'compensate'>('retry', 'compensate'), fc.constantFrom<'retry' | 'compensate'>('retry', 'compensate')).map(([o, a, b]) => new DecideTwice(o, a, b)) },
      { weight: 1, arbitrary: fc.constant(new Reconcile()) },
      { weight: 1, arbitrary: fc.tuple(order, fc.constantFrom<'carrier' | 'wms' | 'erp'>('carrier', 'wms', 'erp')).map(([o, v]) => new ReconcileWhileParked(o, v)) },
      { weight: 1, arbitrary: fc.tuple(fc.nat(2), fc.nat(2), fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: -3, max: -1 }))).map(([k, wh, d]) => new ErpStockChange(k, wh, d)) },
      { weight: 1, arbitrary: fc.constant(new KillWorker()) },
  );
}
