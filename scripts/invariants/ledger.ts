/**
 * The invariants Postgres alone can tell, written once: the test hooks run them over the whole database after every
 * test (test/support/invariantHooks.ts), and chaos and the walks over their own orders and SKUs, beside the checks
 * that need the vendors' books (scripts/chaos/invariants.ts). Each returns the rows that break it, as violations.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { terminalStatusList } from '../../db/terminalStatuses';

export interface Violation {
  invariant: string;
  detail: string;
}

export interface LedgerScope {
  /** Only these orders (all when absent). */
  orderIds?: string[];
  /** Only the stock rows of these SKUs (all when absent). */
  skus?: string[];
  /**
   * Orders of workflow versions from before per-shipment money may be present (the tests replay them): their
   * shipments carry no priced lines, so the per-shipment shares, and a completed order's reason, are only checked
   * for orders with priced shipments. Chaos and the walks run the current workflow only: every order is checked.
   */
  legacyOrders?: boolean;
}

export const LEDGER_INVARIANTS = {
  reservedIsLiveHolds: 'reserved stock must equal the live holds, and never exceed what is on hand',
  nothingNegative: 'nothing negative',
  moneyBalances: 'ended orders must have authorized = captured + voided and refunded <= captured',
  noEarlyCapture: 'no capture for an order cancelled before the handoff',
  nothingKeptForCancelledShipment: 'no money kept for a cancelled shipment',
  sharesAddUp: "the shipments' captured and refunded shares add up to the order's",
  oneStory: 'no completed order with a reason, no cancelled order with money kept',
  webhookSequence: "every order's webhook events are numbered 1..n without a gap",
  shipmentRefundWithinCapture: 'per shipment, refunded <= captured',
  returnedWithinShipped: 'per shipment and SKU, units returning or returned <= units shipped',
  returnRefundWithinReceived: "a return refunds at most its received units at their lines' prices, and its lines add up to it",
} as const;

const list = (values: string[]) => (values.length > 0 ? values : ['']);

/** Every ledger invariant over `scope`; an empty list means all hold. */
export async function ledgerViolations(db: Database, scope: LedgerScope = {}): Promise<Violation[]> {
  const orders = (alias: string): SQL => (scope.orderIds ? sql`and ${sql.raw(alias)}.id in ${list(scope.orderIds)}` : sql``);
  const stockWhere = scope.skus ? sql`where s.sku in ${list(scope.skus)}` : sql``;
  const priced = scope.legacyOrders ? sql`and s.priced_lines is not null` : sql``;
  const violations: Violation[] = [];
  const add = (invariant: string, rows: Record<string, unknown>[]) => {
    for (const row of rows) violations.push({ invariant, detail: JSON.stringify(row) });
  };

  add(
    LEDGER_INVARIANTS.reservedIsLiveHolds,
    await db.execute(sql`
      select s.sku, s.warehouse, s.on_hand, s.reserved, coalesce(sum(r.quantity) filter (where r.status = 'held'), 0)::int as held
      from stock s left join reservations r on r.sku = s.sku and r.warehouse = s.warehouse
      ${stockWhere}
      group by s.sku, s.warehouse, s.on_hand, s.reserved
      having s.reserved <> coalesce(sum(r.quantity) filter (where r.status = 'held'), 0) or s.on_hand < s.reserved`),
  );
  add(LEDGER_INVARIANTS.nothingNegative, await db.execute(sql`select s.sku, s.warehouse, s.on_hand, s.reserved from stock s ${stockWhere} ${scope.skus ? sql`and` : sql`where`} (s.on_hand < 0 or s.reserved < 0)`));
  add(
    LEDGER_INVARIANTS.moneyBalances,
    await db.execute(sql`
      select o.id, o.status, p.authorized_cents, p.captured_cents, p.voided_cents, p.refunded_cents
      from orders o join payments p on p.order_id = o.id
      where o.status in ${terminalStatusList()} ${orders('o')}
        and (p.authorized_cents <> p.captured_cents + p.voided_cents or p.refunded_cents > p.captured_cents)`),
  );
  add(
    LEDGER_INVARIANTS.noEarlyCapture,
    await db.execute(sql`
      select o.id from orders o join payments p on p.order_id = o.id
      where o.status = 'cancelled' and p.captured_cents > 0 ${orders('o')}
        and not exists (select 1 from order_events e where e.order_id = o.id and e.type = 'shipment.handed_off')`),
  );
  // Per shipment: nothing kept for a cancelled shipment; the shares add up to the order's books.
  add(
    LEDGER_INVARIANTS.nothingKeptForCancelledShipment,
    await db.execute(sql`
      select s.id, s.captured_cents, s.refunded_cents from shipments s join orders o on o.id = s.order_id
      where o.status in ${terminalStatusList()} ${orders('o')} and s.status = 'cancelled' and s.captured_cents <> s.refunded_cents`),
  );
  add(
    LEDGER_INVARIANTS.sharesAddUp,
    await db.execute(sql`
      select o.id, coalesce(p.captured_cents, 0) as captured_cents, coalesce(p.refunded_cents, 0) as refunded_cents
      from orders o left join payments p on p.order_id = o.id
      where o.status in ${terminalStatusList()} ${orders('o')}
        and exists (select 1 from shipments s where s.order_id = o.id ${priced} and s.captured_cents > 0)
        and (coalesce(p.captured_cents, 0) <> (select sum(s.captured_cents) from shipments s where s.order_id = o.id)
          or coalesce(p.refunded_cents, 0) <> (select sum(s.refunded_cents) from shipments s where s.order_id = o.id))`),
  );
  add(
    LEDGER_INVARIANTS.oneStory,
    await db.execute(sql`
      select o.id, o.status, o.reason from orders o
      where ((o.status = 'completed' and o.reason is not null ${scope.legacyOrders ? sql`and exists (select 1 from shipments s where s.order_id = o.id and s.priced_lines is not null)` : sql``})
         or (o.status = 'cancelled' and exists (select 1 from payments p where p.order_id = o.id and p.captured_cents > p.refunded_cents))) ${orders('o')}`),
  );
  // Returns: money per shipment never refunded past its capture; no unit returned twice; a return's refund is what
  // came back, at its lines' prices.
  add(
    LEDGER_INVARIANTS.shipmentRefundWithinCapture,
    await db.execute(sql`select s.id, s.captured_cents, s.refunded_cents from shipments s join orders o on o.id = s.order_id where s.refunded_cents > s.captured_cents ${orders('o')}`),
  );
  add(
    LEDGER_INVARIANTS.returnedWithinShipped,
    await db.execute(sql`
      select l.shipment_id, l.sku,
        sum(case when r.status = 'refunded' then coalesce(l.resellable, 0) + coalesce(l.damaged, 0) else l.quantity end)::int as returned,
        (select coalesce(sum((x->>'quantity')::int), 0)::int from shipments s, jsonb_array_elements(s.lines) x
          where s.id = l.shipment_id and s.status = 'shipped' and x->>'sku' = l.sku) as shipped
      from return_lines l join returns r on r.id = l.return_id join orders o on o.id = l.order_id
      where r.status in ('requested', 'awaiting_receipt', 'received', 'refunded') ${orders('o')}
      group by l.shipment_id, l.sku
      having sum(case when r.status = 'refunded' then coalesce(l.resellable, 0) + coalesce(l.damaged, 0) else l.quantity end)
        > (select coalesce(sum((x->>'quantity')::int), 0) from shipments s, jsonb_array_elements(s.lines) x where s.id = l.shipment_id and s.status = 'shipped' and x->>'sku' = l.sku)`),
  );
  add(
    LEDGER_INVARIANTS.returnRefundWithinReceived,
    await db.execute(sql`
      select r.id, r.refunded_cents, sum(l.refunded_cents)::int as lines_refunded,
        sum((coalesce(l.resellable, 0) + coalesce(l.damaged, 0)) * l.unit_price_cents)::int as received_worth
      from returns r join return_lines l on l.return_id = r.id join orders o on o.id = r.order_id
      where true ${orders('o')}
      group by r.id, r.refunded_cents
      having r.refunded_cents <> sum(l.refunded_cents) or r.refunded_cents > sum((coalesce(l.resellable, 0) + coalesce(l.damaged, 0)) * l.unit_price_cents)`),
  );
  // Webhook events: each order's are numbered 1..n without a gap or a repeat, n being the order's counter.
  add(
    LEDGER_INVARIANTS.webhookSequence,
    await db.execute(sql`
      select o.id, o.webhook_seq, count(e.id)::int as events, max(e.sequence) as last
      from orders o left join webhook_events e on e.order_id = o.id
      ${scope.orderIds ? sql`where o.id in ${list(scope.orderIds)}` : sql``}
      group by o.id, o.webhook_seq
      having count(e.id) <> o.webhook_seq or coalesce(max(e.sequence), 0) <> o.webhook_seq`),
  );
  return violations;
}
