import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { SimState } from '../../sim/state';
import { isTerminalStatus } from '../../workflows/order/contract';
import { ledgerViolations, type Violation } from '../invariants/ledger';
import { terminalStatusList } from '../../db/terminalStatuses';

export type { Violation } from '../invariants/ledger';

type Lines = { sku: string; quantity: number }[];
interface VendorRecord {
  type: string;
  reference: string;
  shipmentId?: string;
  status?: string;
  amount_capturable?: number;
  amount_received?: number;
  amount_refunded?: number;
  id?: string;
  warehouse?: string;
  lines?: Lines;
  shipments?: { warehouse: string; lines: Lines }[];
}

/** What the vendors remember about one order, and the ERP's stock: read in-process (chaos) or over the simulator's HTTP control routes (walks). */
export interface VendorBooks {
  recordsOf(system: 'payment' | 'carrier' | 'wms' | 'erp', reference: string): Promise<VendorRecord[]>;
  erpStock(skus: string[] | undefined): Promise<{ sku: string; warehouse: string; onHand: number }[]>;
}

/** What to check: these orders, and (when given) the stock of these SKUs against what it started at plus the ERP changes made since. */
export interface InvariantScope {
  orderIds: string[];
  /** `sku@warehouse` → units at the start plus restocks minus shrinkage. Rows absent here are not checked for conservation. */
  expectedStock?: Map<string, number>;
  /** Restrict stock checks to these SKUs (all rows when absent). */
  skus?: string[];
  /** A reconciliation ran after every order ended and nothing moved since: the ERP's stock must equal Hotpath's on hand. */
  quietAfterReconciliation?: boolean;
  /** `sku@warehouse` → units the ERP's stock changed by (restocks − shrinkage): every reconciliation together must correct exactly these. */
  erpChanges?: Map<string, number>;
}

export function booksOfState(sim: SimState): VendorBooks {
  return {
    recordsOf: async (system, reference) => {
      switch (system) {
        case 'payment':
          return sim.paymentIntents.records(reference) as VendorRecord[];
        case 'carrier':
          return sim.labels.records(reference) as VendorRecord[];
        case 'wms':
          return sim.tasks.records(reference) as VendorRecord[];
        case 'erp':
          return [...sim.erpOrders.records(reference), ...sim.erpCredits.records(reference)] as VendorRecord[];
      }
    },
    erpStock: async (skus) => sim.stock.rows().filter((r) => !skus || skus.includes(r.sku)),
  };
}

export function booksOverHttp(simUrl: string): VendorBooks {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${simUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    recordsOf: async (system, reference) => (await get<{ records: VendorRecord[] }>(`/_sim/${system}/records?reference=${encodeURIComponent(reference)}`)).records,
    erpStock: async (skus) => {
      if (!skus) return (await get<{ stock: { sku: string; warehouse: string; onHand: number }[] }>('/erp/stock')).stock;
      const rows = await Promise.all(skus.map((sku) => get<{ stock: { sku: string; warehouse: string; onHand: number }[] }>(`/erp/stock?sku=${encodeURIComponent(sku)}`)));
      return rows.flatMap((r) => r.stock);
    },
  };
}

/** The chaos run's check: every accepted order, every stock row against the catalog it started from. */
export async function checkInvariants(db: Database, sim: SimState, accepted: string[], initialStock: Map<string, number>): Promise<{ violations: Violation[]; outcomes: Record<string, number> }> {
  return checkScope(db, booksOfState(sim), { orderIds: accepted, expectedStock: initialStock });
}

/**
 * Every invariant Hotpath promises about money, stock, the vendors and the ERP, for a set of orders and SKUs,
 * checked against Postgres and against the vendors' own records.
 */
export async function checkScope(db: Database, books: VendorBooks, scope: InvariantScope): Promise<{ violations: Violation[]; outcomes: Record<string, number> }> {
  const violations: Violation[] = [];
  const violate = (invariant: string, detail: string) => violations.push({ invariant, detail });
  const ids = scope.orderIds.length > 0 ? scope.orderIds : [''];

  // Every order ends, or is parked with a reason; its status and reason tell one story.
  const orderRows = await db.execute<{ id: string; status: string; reason: string | null }>(sql`select id, status, reason from orders where id in ${ids}`);
  const byId = new Map(orderRows.map((o) => [o.id, o]));
  const outcomes: Record<string, number> = {};
  for (const id of scope.orderIds) {
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
      const note = last?.detail?.note ? `: ${String(last.detail.note)}` : '';
      if (order.status === 'needs_attention' && !order.reason && !note) violate('a parked order says why', `${id} is parked with no reason`);
      const recent = await db.execute<{ type: string }>(sql`select type from order_events where order_id = ${id} order by at desc, id desc limit 8`);
      violate('every accepted order ends', `${id} is still ${order.status}${note} (its last events: ${recent.map((r) => r.type).reverse().join(' → ') || 'none'})`);
    }
  }

  // What Postgres alone tells (the test hooks check the same over the whole database): reserved = live holds and
  // nothing negative; money balances, per shipment and in all; one story per order; gapless webhook events.
  violations.push(...(await ledgerViolations(db, { orderIds: scope.orderIds, skus: scope.skus })));

  // Stock: on hand + units shipped − units a return put back = initial (+ ERP changes); damaged returns are written
  // off (they left with the parcel and stay out); no hold of an ended order.
  const skuFilter = scope.skus ? sql`where s.sku in ${scope.skus.length > 0 ? scope.skus : ['']}` : sql``;
  const stockRows = await db.execute<{ sku: string; warehouse: string; on_hand: number; reserved: number; held: number; shipped: number; held_by_ended: number; restocked: number }>(sql`
    select s.sku, s.warehouse, s.on_hand, s.reserved,
      (select coalesce(sum(l.resellable), 0)::int from return_lines l where l.sku = s.sku and l.warehouse = s.warehouse and l.stock_settled_at is not null) as restocked,
      coalesce(sum(r.quantity) filter (where r.status = 'held'), 0)::int as held,
      coalesce(sum(r.quantity) filter (where r.status = 'committed'), 0)::int as shipped,
      coalesce(sum(r.quantity) filter (where r.status = 'held' and o.status in ${terminalStatusList()}), 0)::int as held_by_ended
    from stock s left join reservations r on r.sku = s.sku and r.warehouse = s.warehouse left join orders o on o.id = r.order_id
    ${skuFilter}
    group by s.sku, s.warehouse, s.on_hand, s.reserved`);
  for (const row of stockRows) {
    const where = `${row.sku}@${row.warehouse}`;
    const expected = scope.expectedStock?.get(where);
    if (expected !== undefined && row.on_hand + row.shipped - row.restocked !== expected) {
      violate('stock is conserved', `${where}: on hand ${row.on_hand} + shipped ${row.shipped} − restocked by returns ${row.restocked} ≠ initial and ERP changes ${expected}`);
    }
    if (row.held_by_ended > 0) violate('no unit held by an ended order', `${where}: ${row.held_by_ended} units held by ended orders`);
  }
  // Holds wait for a human: the reconciler releases only holds of orders that had already ended.
  const early = await db.execute<{ order_id: string }>(sql`
    select distinct e.order_id from order_events e
    where e.type = 'inventory.released' and e.detail->>'why' like 'reconciliation%' and e.order_id in ${ids}
      and not exists (select 1 from order_events t where t.order_id = e.order_id and t.type = 'status'
        and t.status in ${terminalStatusList()} and t.at <= e.at)`);
  for (const e of early) violate('the reconciler releases only holds of ended orders', `${e.order_id}: units released by a reconciliation before the order ended`);
  if (scope.quietAfterReconciliation) {
    const erp = new Map((await books.erpStock(scope.skus)).map((r) => [`${r.sku}@${r.warehouse}`, r.onHand]));
    for (const row of stockRows) {
      const where = `${row.sku}@${row.warehouse}`;
      const there = erp.get(where);
      if (there !== undefined && there !== row.on_hand) violate("after a quiet reconciliation the ERP's stock = Hotpath's on hand", `${where}: ERP ${there}, Hotpath ${row.on_hand}`);
    }
  }

  // Hotpath and the ERP agree but for the ERP's own stock changes, so all reconciliations of these SKUs together
  // corrected exactly those: a unit in flight counted twice (or not at all) shows up as a correction nobody made.
  if (scope.erpChanges && scope.skus && scope.skus.length > 0) {
    const corrected = await db.execute<{ sku: string; warehouse: string; units: number }>(sql`
      select c->>'sku' as sku, c->>'warehouse' as warehouse, sum((c->>'delta')::int + coalesce((c->>'shortfall')::int, 0))::int as units
      from reconciliation_runs r, jsonb_array_elements(r.details->'corrections') c
      where c->>'sku' in ${scope.skus} group by 1, 2`);
    const byKey = new Map(corrected.map((c) => [`${c.sku}@${c.warehouse}`, c.units]));
    for (const key of new Set([...byKey.keys(), ...scope.erpChanges.keys()])) {
      const want = scope.erpChanges.get(key) ?? 0;
      const got = byKey.get(key) ?? 0;
      if (want !== got) violate('reconciliation corrects only what changed in the ERP', `${key}: corrected ${got} units in all, the ERP changed by ${want}`);
    }
  }

  // Money, in Hotpath's books and at the gateway.
  const money = await db.execute<{ id: string; status: string; authorized: number; captured: number; voided: number; refunded: number; handed_off: boolean }>(sql`
    select o.id, o.status, coalesce(p.authorized_cents, 0) as authorized, coalesce(p.captured_cents, 0) as captured,
      coalesce(p.voided_cents, 0) as voided, coalesce(p.refunded_cents, 0) as refunded,
      exists (select 1 from order_events e where e.order_id = o.id and e.type = 'shipment.handed_off') as handed_off
    from orders o left join payments p on p.order_id = o.id where o.id in ${ids}`);
  const vendor = new Map<string, { payment: VendorRecord[]; carrier: VendorRecord[]; wms: VendorRecord[]; erp: VendorRecord[] }>();
  await Promise.all(
    scope.orderIds.map(async (id) => {
      const [payment, carrier, wms, erp] = await Promise.all((['payment', 'carrier', 'wms', 'erp'] as const).map((s) => books.recordsOf(s, id)));
      vendor.set(id, { payment: payment!, carrier: carrier!, wms: wms!, erp: erp! });
    }),
  );
  for (const m of money) {
    if (!isTerminalStatus(m.status)) continue;
    const intents = (vendor.get(m.id)?.payment ?? []).filter((r) => r.type === 'payment_intent');
    for (const pi of intents) if (pi.status === 'requires_capture') violate('no authorization left open', `${m.id}: PaymentIntent ${pi.id} still holds ${pi.amount_capturable} at the gateway`);
    const capturedAtGateway = intents.reduce((n, pi) => n + (pi.amount_received ?? 0), 0);
    if (capturedAtGateway !== m.captured) violate('books match the gateway', `${m.id}: captured ${m.captured} in Hotpath, ${capturedAtGateway} at the gateway`);
    const refundedAtGateway = intents.reduce((n, pi) => n + (pi.amount_refunded ?? 0), 0);
    if (refundedAtGateway !== m.refunded) violate('books match the gateway', `${m.id}: refunded ${m.refunded} in Hotpath, ${refundedAtGateway} at the gateway`);
  }

  // Stripe's events: every cancel and refund is the saga's own, so none may raise a payment alert.
  const alerts = await db.execute<{ order_id: string; detail: Record<string, unknown> }>(sql`select order_id, detail from order_events where type = 'payment.alert' and order_id in ${ids}`);
  for (const a of alerts) violate("Stripe's events match the books", `${a.order_id}: ${String(a.detail.eventType)} ${String(a.detail.why)}`);

  // Per shipment: one label and one WMS task ever; live ones only for a shipment that ships; nothing kept for a cancelled one;
  // the shipments' shares add up to the order's books.
  type ShipmentRow = { id: string; order_id: string; status: string; shipment_status: string; captured: number; refunded: number; lines: Lines; warehouse: string };
  const shipments = await db.execute<ShipmentRow>(sql`
    select s.id, s.order_id, o.status, s.status as shipment_status, s.captured_cents as captured, s.refunded_cents as refunded, s.lines, s.warehouse
    from shipments s join orders o on o.id = s.order_id where s.order_id in ${ids}`);
  const ships = (s: { status: string; shipment_status: string }) => s.status === 'completed' && s.shipment_status !== 'cancelled';
  for (const s of shipments) {
    const records = vendor.get(s.order_id);
    const all = (list: VendorRecord[] | undefined, type: string) => (list ?? []).filter((r) => r.type === type && r.shipmentId === s.id);
    const labels = all(records?.carrier, 'label');
    const tasks = all(records?.wms, 'task');
    if (labels.length > 1) violate('one label per shipment', `${s.id}: ${labels.length} labels`);
    if (tasks.length > 1) violate('one WMS task per shipment', `${s.id}: ${tasks.length} tasks`);
    if (!isTerminalStatus(s.status)) continue;
    const expected = ships(s) ? 1 : 0;
    const liveLabels = labels.filter((r) => r.status !== 'cancelled').length;
    const liveTasks = tasks.filter((r) => r.status !== 'cancelled').length;
    if (liveLabels !== expected) violate('labels match the outcome', `${s.id} (${s.status}, shipment ${s.shipment_status}): ${liveLabels} live labels`);
    if (liveTasks !== expected) violate('WMS tasks match the outcome', `${s.id} (${s.status}, shipment ${s.shipment_status}): ${liveTasks} live tasks`);
  }
  const shipmentsByOrder = new Map<string, ShipmentRow[]>();
  for (const s of shipments) shipmentsByOrder.set(s.order_id, [...(shipmentsByOrder.get(s.order_id) ?? []), s]);

  // What came back from ended returns (received, resellable or damaged), per order: it has left and come back.
  const cameBack = await db.execute<{ order_id: string; warehouse: string; sku: string; quantity: number }>(sql`
    select l.order_id, l.warehouse, l.sku, sum(coalesce(l.resellable, 0) + coalesce(l.damaged, 0))::int as quantity
    from return_lines l join returns r on r.id = l.return_id
    where r.status = 'refunded' and l.order_id in ${ids} group by 1, 2, 3`);
  // The ERP agrees: for every ended order, its recorded lines minus its credits equal the shipments that ship, less
  // what came back from its returns (each return credits what it received, restocked or written off).
  for (const o of orderRows) {
    if (!isTerminalStatus(o.status)) continue;
    const erp = vendor.get(o.id)?.erp ?? [];
    const records = erp.filter((r) => r.type === 'erp_order');
    if (records.length > 1) violate('each order is in the ERP at most once', `${o.id}: ${records.length} records`);
    if (o.status === 'completed' && records.length !== 1) violate('each completed order is in the ERP exactly once', `${o.id}: ${records.length} records`);
    const net = new Map<string, number>();
    const add = (warehouse: string, lines: Lines, sign: number) => {
      for (const l of lines) net.set(`${l.sku}@${warehouse}`, (net.get(`${l.sku}@${warehouse}`) ?? 0) + sign * l.quantity);
    };
    for (const r of records) for (const sh of r.shipments ?? []) add(sh.warehouse, sh.lines, 1);
    for (const c of erp.filter((r) => r.type === 'erp_credit')) add(c.warehouse!, c.lines ?? [], -1);
    for (const s of shipmentsByOrder.get(o.id) ?? []) if (ships(s)) add(s.warehouse, s.lines, -1);
    for (const back of cameBack) if (back.order_id === o.id && back.quantity > 0) add(back.warehouse, [{ sku: back.sku, quantity: back.quantity }], 1);
    const off = [...net].filter(([, q]) => q !== 0);
    if (off.length > 0) violate('the ERP agrees with Hotpath', `${o.id} (${o.status}): recorded − credited − shipping ≠ 0 for ${off.map(([k, q]) => `${k} ${q > 0 ? '+' : ''}${q}`).join(', ')}`);
  }
  return { violations, outcomes };
}
