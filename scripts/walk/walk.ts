import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { booksOverHttp, checkScope, type Violation } from '../chaos/invariants';
import { PlaceOrders } from './commands';
import { http, sleep, type WalkEnv } from './env';
import type { WalkSpec } from './spec';
import { World, type WalkModel } from './world';
import { isTerminalStatus } from '../../workflows/order/contract';

export interface WalkOutcome {
  violations: Violation[];
  outcomes: Record<string, number>;
  commands: number;
  orders: number;
  parkedResolved: number;
  ms: number;
}

/**
 * One walk: stock its SKUs, run its commands against the real stack, then let it settle (faults cleared, parked
 * orders resolved as the spec says, every order ended, a reconciliation once its SKUs are quiet) and check every
 * invariant on its orders and SKUs.
 */
export async function runWalk(env: WalkEnv, spec: WalkSpec, commands: Iterable<fc.AsyncCommand<WalkModel, World>>, walkId: string): Promise<WalkOutcome> {
  const started = Date.now();
  const world = new World(env, spec, walkId);
  await world.stockUp();
  let commandsRun = 0;
  const counted = [...commands].map((c) => ({
    check: (m: Readonly<WalkModel>) => c.check(m),
    run: async (m: WalkModel, r: World) => {
      commandsRun += 1;
      await c.run(m, r);
    },
    toString: () => c.toString(),
  }));
  // Every walk starts with its first order placed; the commands may place the others, alone or at once.
  const model = { orders: spec.orders.length, placed: new Set<number>() };
  await new PlaceOrders([0]).run(model, world);
  await fc.asyncModelRun(() => ({ model, real: world }), counted);
  const parkedResolved = await settle(world, spec);
  // The final reconciliation, retried: one that never answered (a worker killed under it) is not the walk's finding.
  let reconciled = 0;
  for (let attempt = 0; attempt < 3 && reconciled !== 200; attempt++) reconciled = await world.reconcile();
  const partial = await env.db.execute<{ n: number }>(sql`
    select count(distinct s.order_id)::int as n from shipments s join orders o on o.id = s.order_id
    where o.status = 'completed' and s.status = 'cancelled' and s.order_id in ${world.placedIds().length > 0 ? world.placedIds() : ['']}`);
  const { violations, outcomes } = await checkScope(env.db, booksOverHttp(env.simUrl), {
    orderIds: world.placedIds(),
    skus: world.skus,
    expectedStock: world.expectedStock,
    erpChanges: world.erpChanges,
    quietAfterReconciliation: reconciled === 200,
  });
  if (env.describeSaga) {
    for (const v of violations.filter((x) => x.invariant === 'every accepted order ends')) v.detail += `; ${await env.describeSaga(v.detail.split(' ')[0]!)}`;
  }
  violations.push(...(await unsentConfirmations(env, world.placedIds())));
  for (const r of await world.returnsLeft()) violations.push({ invariant: 'every return ends', detail: `${r.id} is still ${r.status}` });
  if (reconciled !== 200) violations.push({ invariant: 'a reconciliation on a quiet system succeeds', detail: `POST /admin/reconcile answered ${reconciled}` });
  if (partial[0]!.n > 0) outcomes['completed with a cancelled shipment'] = partial[0]!.n;
  // How the walk's returns ended (`return refunded`, `return expired`, …), so a run says it exercised them.
  if (world.placedIds().length > 0) {
    for (const r of await env.db.execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from returns where order_id in ${world.placedIds()} group by status`)) outcomes[`return ${r.status}`] = r.n;
  }
  return { violations, outcomes, commands: commandsRun, orders: world.placedIds().length, parkedResolved, ms: Date.now() - started };
}

/** Clears the walk's faults, resolves parked orders as staff would, and waits (up to 2 min) for every order to end. */
async function settle(world: World, spec: WalkSpec): Promise<number> {
  await world.clearFaults();
  const deadline = Date.now() + 120_000;
  const lastResolve = new Map<string, number>();
  let resolved = 0;
  // Halfway, what Temporal says of each order still open, printed at once: a run cut short by its timeout says why.
  let described = false;
  while (Date.now() < deadline) {
    const statuses = await world.statuses();
    if (await world.allEnded()) break;
    if (!described && world.env.describeSaga && deadline - Date.now() < 60_000) {
      described = true;
      for (const [id, status] of statuses) {
        if (status !== 'needs_attention' && !isTerminalStatus(status)) world.env.log(`${world.walkId}: ${id} still ${status} after 60 s: ${await world.env.describeSaga(id)}`);
      }
    }
    for (const [o, id] of world.orderIds.entries()) {
      if (!id || statuses.get(id) !== 'needs_attention') continue;
      // A resolve may meet the saga before it parks again: ask again after a while.
      if (Date.now() - (lastResolve.get(id) ?? 0) < 3_000) continue;
      lastResolve.set(id, Date.now());
      let res = await http(`${world.env.apiUrl}/orders/${id}/resolve`, { body: { action: spec.orders[o]!.resolveWith }, token: world.env.staffToken });
      // A shipped parcel cannot be given up (409): staff retry instead.
      if (res.status === 409 && res.body?.title === 'A parcel has shipped') res = await http(`${world.env.apiUrl}/orders/${id}/resolve`, { body: { action: 'retry' }, token: world.env.staffToken });
      if (res.status === 202) resolved += 1;
    }
    await sleep(150);
  }
  return resolved;
}

/**
 * Every order whose timeline says the customer was notified has that e-mail in the mailbox: the Message-ID the
 * event names (derived from the step key), to the order's address. Duplicates are allowed (docs/notifications.md).
 */
async function unsentConfirmations(env: WalkEnv, orderIds: string[]): Promise<Violation[]> {
  if (orderIds.length === 0) return [];
  const notified = await env.db.execute<{ order_id: string; message_id: string; email: string }>(sql`
    select e.order_id, e.detail->>'messageId' as message_id, o.email from order_events e join orders o on o.id = e.order_id
    where e.type = 'customer.notified' and e.order_id in ${orderIds}`);
  const violations: Violation[] = [];
  for (const row of notified) {
    const bare = row.message_id.replace(/^<|>$/g, '');
    const res = await http(`${env.mailpitUrl}/api/v1/search?query=${encodeURIComponent(`message-id:"${bare}"`)}&limit=50`);
    const found = ((res.body?.messages ?? []) as { MessageID: string; To: { Address: string }[] }[]).filter((m) => m.MessageID === bare);
    if (!found.some((m) => m.To.some((t) => t.Address === row.email))) {
      violations.push({ invariant: 'a customer told they were notified has the e-mail', detail: JSON.stringify({ orderId: row.order_id, messageId: row.message_id, status: res.status, found: found.length }) });
    }
  }
  return violations;
}
