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

  // Per shipment: one label and one WMS task ever; live ones only for a shipment that ships; nothing kept for a cancelled one.
  type ShipmentRow = { id: string; order_id: string; status: string; shipment_status: string; captured: number; refunded: number; lines: { sku: string; quantity: number }[]; warehouse: string };
  const shipments = await db.execute<ShipmentRow>(sql`
    select s.id, s.order_id, o.status, s.status as shipment_status, s.captured_cents as captured, s.refunded_cents as refunded, s.lines, s.warehouse
    from shipments s join orders o on o.id = s.order_id`);
  const labels = groupBy(sim.labels.records(undefined) as { reference: string; shipmentId: string; status: string; type: string }[]);
  const tasks = groupBy(sim.tasks.records(undefined) as { reference: string; shipmentId: string; status: string; type: string }[]);
  const ships = (s: { status: string; shipment_status: string }) => s.status === 'completed' && s.shipment_status !== 'cancelled';
  for (const s of shipments) {
    const live = (list: { shipmentId: string; status: string; type: string }[] | undefined, type: string) =>
      (list ?? []).filter((r) => r.type === type && r.shipmentId === s.id && r.status !== 'cancelled').length;
    const all = (list: { shipmentId: string; type: string }[] | undefined, type: string) => (list ?? []).filter((r) => r.type === type && r.shipmentId === s.id).length;
    if (all(labels.get(s.order_id), 'label') > 1) violate('one label per shipment', `${s.id}: ${all(labels.get(s.order_id), 'label')} labels`);
    if (all(tasks.get(s.order_id), 'task') > 1) violate('one WMS task per shipment', `${s.id}: ${all(tasks.get(s.order_id), 'task')} tasks`);
    if (!isTerminalStatus(s.status)) continue;
    const expected = ships(s) ? 1 : 0;
    if (live(labels.get(s.order_id), 'label') !== expected) violate('labels match the outcome', `${s.id} (${s.status}, shipment ${s.shipment_status}): ${live(labels.get(s.order_id), 'label')} live labels`);
    if (live(tasks.get(s.order_id), 'task') !== expected) violate('WMS tasks match the outcome', `${s.id} (${s.status}, shipment ${s.shipment_status}): ${live(tasks.get(s.order_id), 'task')} live tasks`);
    if (s.shipment_status === 'cancelled' && s.captured !== s.refunded) violate('nothing captured for a cancelled shipment', `${s.id}: captured ${s.captured}, refunded ${s.refunded}`);
  }
  for (const m of money) if (m.status === 'cancelled' && m.captured > m.refunded) violate('no cancelled order keeps money', `${m.id}: captured ${m.captured}, refunded ${m.refunded}`);

  // The ERP agrees: for every ended order, its recorded lines minus its credits equal the shipments that ship.
  const erpOrders = groupBy(sim.erpOrders.records(undefined) as { reference: string; type: string; shipments?: { warehouse: string; lines: { sku: string; quantity: number }[] }[] }[]);
  const erpCredits = groupBy(sim.erpCredits.records(undefined) as { reference: string; type: string; warehouse?: string; lines?: { sku: string; quantity: number }[] }[]);
  const shipmentsByOrder = new Map<string, ShipmentRow[]>();
  for (const s of shipments) shipmentsByOrder.set(s.order_id, [...(shipmentsByOrder.get(s.order_id) ?? []), s]);
  for (const o of orderRows) {
    if (!isTerminalStatus(o.status)) continue;
    const records = (erpOrders.get(o.id) ?? []).filter((r) => r.type === 'erp_order');
    if (records.length > 1) violate('each order is in the ERP at most once', `${o.id}: ${records.length} records`);
    if (o.status === 'completed' && records.length !== 1) violate('each completed order is in the ERP exactly once', `${o.id}: ${records.length} records`);
    const net = new Map<string, number>();
    const add = (warehouse: string, lines: { sku: string; quantity: number }[], sign: number) => {
      for (const l of lines) net.set(`${l.sku}@${warehouse}`, (net.get(`${l.sku}@${warehouse}`) ?? 0) + sign * l.quantity);
    };
    for (const r of records) for (const sh of r.shipments ?? []) add(sh.warehouse, sh.lines, 1);
    for (const c of (erpCredits.get(o.id) ?? []).filter((r) => r.type === 'erp_credit')) add(c.warehouse!, c.lines ?? [], -1);
    for (const s of shipmentsByOrder.get(o.id) ?? []) if (ships(s)) add(s.warehouse, s.lines, -1);
    const off = [...net].filter(([, q]) => q !== 0);
    if (off.length > 0) violate('the ERP agrees with Hotpath', `${o.id} (${o.status}): recorded − credited − shipping ≠ 0 for ${off.map(([k, q]) => `${k} ${q > 0 ? '+' : ''}${q}`).join(', ')}`);
  }
  return { violations, outcomes };
}

function groupBy<T extends { reference: string }>(records: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of records) map.set(r.reference, [...(map.get(r.reference) ?? []), r]);
  return map;
}
