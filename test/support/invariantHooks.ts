import { sql } from 'drizzle-orm';
import { afterEach, expect } from 'vitest';
import { testDb } from './stack';
import { terminalStatusList } from '../../db/terminalStatuses';

/**
 * After every test, across the whole database, in one snapshot each: held stock equals the holds of
 * live orders, and every ended order's money balances. A test that leaves either broken fails.
 */
afterEach(async () => {
  const db = testDb();
  const stockDrift = await db.execute(sql`
    select s.sku, s.warehouse, s.reserved, coalesce(sum(r.quantity) filter (where r.status = 'held'), 0)::int as held
    from stock s left join reservations r on r.sku = s.sku and r.warehouse = s.warehouse
    group by s.sku, s.warehouse, s.reserved
    having s.reserved <> coalesce(sum(r.quantity) filter (where r.status = 'held'), 0) or s.on_hand < s.reserved`);
  expect(stockDrift, 'reserved stock must equal the live holds').toEqual([]);

  const unbalanced = await db.execute(sql`
    select o.id, o.status, p.authorized_cents, p.captured_cents, p.voided_cents, p.refunded_cents
    from orders o join payments p on p.order_id = o.id
    where o.status in ${terminalStatusList()}
      and (p.authorized_cents <> p.captured_cents + p.voided_cents or p.refunded_cents > p.captured_cents)`);
  expect(unbalanced, 'ended orders must have authorized = captured + voided and refunded <= captured').toEqual([]);

  const capturedAfterEarlyCancel = await db.execute(sql`
    select o.id from orders o join payments p on p.order_id = o.id
    where o.status = 'cancelled' and p.captured_cents > 0
      and not exists (select 1 from order_events e where e.order_id = o.id and e.type = 'shipment.handed_off')`);
  expect(capturedAfterEarlyCancel, 'no capture for an order cancelled before the handoff').toEqual([]);

  // Per shipment: nothing kept for a cancelled shipment; the shares add up to the order's books.
  const keptForCancelled = await db.execute(sql`
    select s.id from shipments s join orders o on o.id = s.order_id
    where o.status in ${terminalStatusList()} and s.status = 'cancelled' and s.captured_cents <> s.refunded_cents`);
  expect(keptForCancelled, 'no money kept for a cancelled shipment').toEqual([]);
  const sharesAstray = await db.execute(sql`
    select o.id from orders o join payments p on p.order_id = o.id
    where o.status in ${terminalStatusList()}
      and exists (select 1 from shipments s where s.order_id = o.id and s.priced_lines is not null and s.captured_cents > 0)
      and (p.captured_cents <> (select sum(s.captured_cents) from shipments s where s.order_id = o.id)
        or p.refunded_cents <> (select sum(s.refunded_cents) from shipments s where s.order_id = o.id))`);
  expect(sharesAstray, "the shipments' captured and refunded shares add up to the order's").toEqual([]);
  const toldTwoStories = await db.execute(sql`
    select o.id, o.status, o.reason from orders o
    where (o.status = 'completed' and o.reason is not null and exists (select 1 from shipments s where s.order_id = o.id and s.priced_lines is not null))
       or (o.status = 'cancelled' and exists (select 1 from payments p where p.order_id = o.id and p.captured_cents > p.refunded_cents))`);
  expect(toldTwoStories, 'no completed order with a reason, no cancelled order with money kept').toEqual([]);

  // Webhook events: each order's are numbered 1..n without a gap or a repeat, n being the order's counter.
  const sequenceGaps = await db.execute(sql`
    select o.id, o.webhook_seq, count(e.id)::int as events, max(e.sequence) as last
    from orders o left join webhook_events e on e.order_id = o.id
    group by o.id, o.webhook_seq
    having count(e.id) <> o.webhook_seq or coalesce(max(e.sequence), 0) <> o.webhook_seq`);
  expect(sequenceGaps, "every order's webhook events are numbered 1..n without a gap").toEqual([]);
});
