import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { SimState } from '../../sim/state';
import { isTerminalStatus } from '../../workflows/order/types';


export interface Violation {
  invariant: string;
  detail: string;
}

/** Every invariant the chaos run promises, checked against Postgres and against the vendors' own records. */
export async function checkInvariants(db: Database, sim: SimState, accepted: string[], initialStock: Map<string, number>): Promise<{ violations: Violation[]; outcomes: Record<string, number> }> {
  const violations: Violation[] = [];
  const violate = (invariant: string, detail: string) => violations.push({ invariant, detail });

  const orderRows = await db.execute<{ id: string; status: string; reason: string | null }>(sql`select id, status, reason from orders`);
  const byId = new Map(orderRows.map((o) => [o.id, o]));
  const outcomes: Record<string, number> = {};
  for (const id of accepted) {
    const order = byId.get(id);
    if (!order) {
      violate('no accepted order is lost', `${id} was answered 202 but is not in the database`);
      continue;
    }
    const key = `${order.status}${order.reason ? `/${order.reason}` : ''}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    if (!isTerminalStatus(order.status)) {
      // Why it stopped (a parked order's note names the step and its last error), so a failed run says what to look at.
      const [last] = await db.execute<{ detail: Record<string, unknown> | null }>(
        sql`select detail from order_events where order_id = ${id} and type = 'status' order by at desc, id desc limit 1`,
      );
      violate('every accepted order ends', `${id} is still ${order.status}${last?.detail?.note ? `: ${String(last.detail.note)}` : ''}`);
    }
    if (order.status === 'completed' && order.reason) violate('a completed order carries no failure reason', `${id} completed with reason ${order.reason}`);
  }

  // Stock: on hand + units shipped = initial; reserved = live holds; nothing negative.
  const stockRows = await db.execute<{ sku: string; warehouse: string; on_hand: number; reserved: number; held: number; shipped: number }>(sql`
    select s.sku, s.warehouse, s.on_hand, s.reserved,
      coalesce(sum(r.quantity) filter (where r.status = 'held'), 0)::int as held,
      coalesce(sum(r.quantity) filter (where r.status = 'committed'), 0)::int as shipped
    from stock s left join reservations r on r.sku = s.sku and r.warehouse = s.warehouse
    group by s.sku, s.warehouse, s.on_hand, s.reserved`);
  for (const row of stockRows) {
    const where = `${row.sku}@${row.warehouse}`;
    const initial = initialStock.get(where);
    if (initial !== undefined && row.on_hand + row.shipped !== initial) violate('stock is conserved', `${where}: on hand ${row.on_hand} + shipped ${row.shipped} ≠ initial ${initial}`);
    if (row.reserved !== row.held) violate('reserved = holds of live orders', `${where}: reserved ${row.reserved}, live holds ${row.held}`);
    if (row.on_hand < 0 || row.reserved < 0) violate('nothing negative', `${where}: on hand ${row.on_hand}, reserved ${row.reserved}`);
  }

  // Money, in Hotpath's books and at the gateway.
  const money = await db.execute<{ id: string; status: string; authorized: number; captured: number; voided: number; refunded: number; handed_off: boolean }>(sql`
    select o.id, o.status, coalesce(p.authorized_cents, 0) as authorized, coalesce(p.captured_cents, 0) as captured,
      coalesce(p.voided_cents, 0) as voided, coalesce(p.refunded_cents, 0) as refunded,
      exists (select 1 from order_events e where e.order_id = o.id and e.type = 'shipment.handed_off') as handed_off
    from orders o left join payments p on p.order_id = o.id`);
  const gateway = groupBy(sim.paymentIntents.list());
  for (const m of money) {
    if (!isTerminalStatus(m.status)) continue;
    if (m.authorized !== m.captured + m.voided) violate('authorized = captured + voided', `${m.id} (${m.status}): ${m.authorized} ≠ ${m.captured} + ${m.voided}`);
    if (m.refunded > m.captured) violate('refunded ≤ captured', `${m.id}: refunded ${m.refunded} > captured ${m.captured}`);
    if (m.status === 'cancelled' && !m.handed_off && m.captured > 0) violate('no capture for an order cancelled before the handoff', m.id);
    const intents = gateway.get(m.id) ?? [];
    for (const pi of intents) if (pi.status === 'requires_capture') violate('no authorization left open', `${m.id}: PaymentIntent ${pi.id} still holds ${pi.amount_capturable} at the gateway`);
    const capturedAtGateway = intents.reduce((n, pi) => n + pi.amount_received, 0);
    if (capturedAtGateway !== m.captured) violate('books match the gateway', `${m.id}: captured ${m.captured} in Hotpath, ${capturedAtGateway} at the gateway`);
    const refundedAtGateway = intents.reduce((n, pi) => n + pi.amount_refunded, 0);
    if (refundedAtGateway !== m.refunded) violate('books match the gateway', `${m.id}: refunded ${m.refunded} in Hotpath, ${refundedAtGateway} at the gateway`);
  }

  // Stripe's events: under chaos every cancel and refund is the saga's own, so none may raise a payment alert.
  const alerts = await db.execute<{ order_id: string; detail: Record<string, unknown> }>(sql`select order_id, detail from order_events where type = 'payment.alert'`);
  for (const a of alerts) violate("Stripe's events match the books", `${a.order_id}: ${String(a.detail.eventType)} ${String(a.detail.why)}`);

  // Exactly one live label and one live WMS task per shipment of a completed order; none for the others.
  const shipments = await db.execute<{ id: string; order_id: string; status: string }>(sql`select s.id, s.order_id, o.status from shipments s join orders o on o.id = s.order_id`);
  const labels = groupBy(sim.labels.records(undefined) as { reference: string; shipmentId: string; status: string; type: string }[]);
  const tasks = groupBy(sim.tasks.records(undefined) as { reference: string; shipmentId: string; status: string; type: string }[]);
  for (const s of shipments) {
    const live = (list: { shipmentId: string; status: string; type: string }[] | undefined, type: string) =>
      (list ?? []).filter((r) => r.type === type && r.shipmentId === s.id && r.status !== 'cancelled').length;
    const all = (list: { shipmentId: string; type: string }[] | undefined, type: string) => (list ?? []).filter((r) => r.type === type && r.shipmentId === s.id).length;
    if (all(labels.get(s.order_id), 'label') > 1) violate('one label per shipment', `${s.id}: ${all(labels.get(s.order_id), 'label')} labels`);
    if (all(tasks.get(s.order_id), 'task') > 1) violate('one WMS task per shipment', `${s.id}: ${all(tasks.get(s.order_id), 'task')} tasks`);
    const expected = s.status === 'completed' ? 1 : 0;
    if (isTerminalStatus(s.status) && live(labels.get(s.order_id), 'label') !== expected) violate('labels match the outcome', `${s.id} (${s.status}): ${live(labels.get(s.order_id), 'label')} live labels`);
    if (isTerminalStatus(s.status) && live(tasks.get(s.order_id), 'task') !== expected) violate('WMS tasks match the outcome', `${s.id} (${s.status}): ${live(tasks.get(s.order_id), 'task')} live tasks`);
  }

  // The ERP has each completed order once, and no other.
  const erp = groupBy(sim.erpOrders.records(undefined) as { reference: string }[]);
  for (const o of orderRows) {
    const recorded = erp.get(o.id)?.length ?? 0;
    if (o.status === 'completed' && recorded !== 1) violate('each completed order is in the ERP exactly once', `${o.id}: ${recorded} records`);
    if (isTerminalStatus(o.status) && o.status !== 'completed' && recorded !== 0) violate('only completed orders reach the ERP', `${o.id} (${o.status}): ${recorded} records`);
  }
  return { violations, outcomes };
}

function groupBy<T extends { reference: string }>(records: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of records) map.set(r.reference, [...(map.get(r.reference) ?? []), r]);
  return map;
}
