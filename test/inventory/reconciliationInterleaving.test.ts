import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { reconcileStock } from '../../activities/inventory/reconciliation';
import { commit, release, reserve } from '../../activities/inventory/reservations';
import type { ErpPort, ErpSnapshot } from '../../activities/erp/contract';
import { orders, reconciliationRuns } from '../../db/schema';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { erpPort } from '../../worker/vendors';
import { RECONCILE_ATTEMPTS } from '../../activities/inventory/reconciliation';
import { stockOf } from '../support/invariants';
import { fixtureOrder, newSku, sim, simUrl, testDb } from '../support/stack';

/**
 * Reconciliation reads two books at two instants: Hotpath's (Postgres) and the ERP's (the simulator, over HTTP). An
 * order that moves between the two reads (recorded at the ERP and ended, credited and ended, or placed and finished
 * from start to end) must not create or lose a unit. Each case runs the move once, just before the ERP's snapshot is
 * taken and just after it answers (whichever order the reconciler reads its books in, one of the two falls between
 * its reads), on the real Postgres and the real ERP simulator.
 */

const WH = 'wh-east';
const shipTo = { name: 'n', line1: 'l', city: 'Boston', postalCode: '02110', country: 'US' };
const realErp = () => erpPort(loadConfig({ ...vendorUrlsFor(simUrl()) }));
const erpStock = async (sku: string) => Object.fromEntries(((await sim(`/erp/stock?sku=${sku}`)).body.stock as { warehouse: string; onHand: number }[]).map((r) => [r.warehouse, r.onHand]));
let runs = 0;

/** The real ERP port; `move` runs once, on the first snapshot, just before it is taken or just after it answers. */
function racing(port: ErpPort, when: 'before' | 'after', move: () => Promise<void>): ErpPort & { moved: () => boolean } {
  let moved = false;
  return {
    ...port,
    moved: () => moved,
    async stockSnapshot(recordedSince: Date): Promise<ErpSnapshot> {
      if (when === 'before' && !moved) {
        moved = true;
        await move();
      }
      const snapshot = await port.stockSnapshot(recordedSince);
      if (when === 'after' && !moved) {
        moved = true;
        await move();
      }
      return snapshot;
    },
  };
}

/** A fixture order (no saga) through the saga's own stock steps: placed, `quantity` units reserved in wh-east. */
async function placedAndReserved(sku: string, tag: string, quantity: number) {
  const order = fixtureOrder(`${sku}-${tag}`);
  await testDb().insert(orders).values(order);
  await reserve(testDb(), { orderId: order.id, lines: [{ sku, quantity }], shipTo, holdTtlMs: 600_000, policy: nearestSingleWarehouseFirst });
  return order.id;
}
const handOff = (orderId: string) => testDb().transaction((tx) => commit(tx, orderId, WH));
const end = (orderId: string, status: 'completed' | 'cancelled') => testDb().update(orders).set({ status, updatedAt: sql`now()` }).where(eq(orders.id, orderId));
const record = (erp: ErpPort, orderId: string, sku: string, quantity: number) =>
  erp.recordOrder({
    key: `${orderId}:erp`,
    orderId,
    customerId: 'fixture',
    currency: 'USD',
    totalCents: quantity,
    lines: [{ sku, quantity, unitPriceCents: 1 }],
    shipments: [{ shipmentId: `${orderId}-s1`, warehouse: WH, trackingNumber: `TRK-${orderId}`, lines: [{ sku, quantity }] }],
  });
const credit = (erp: ErpPort, orderId: string, sku: string, quantity: number) =>
  erp.creditShipment({ key: `${orderId}:erp-credit`, orderId, shipmentId: `${orderId}-s1`, warehouse: WH, reason: 'cancelled', amountCents: quantity, lines: [{ sku, quantity, unitPriceCents: 1 }], restock: true });

async function reconcileRacing(sku: string, when: 'before' | 'after', move: () => Promise<void>) {
  const erp = racing(realErp(), when, move);
  const report = await reconcileStock(testDb(), erp, `reconcile-interleaving-${sku}-${runs++}`, [sku]);
  expect(erp.moved(), 'the move ran during the reconciliation').toBe(true);
  return report;
}

describe.each(['before', 'after'] as const)('an order that moves %s the ERP snapshot', (when) => {
  it('recorded at the ERP and completed in between: no unit created', async () => {
    const sku = await newSku({ [WH]: 5 });
    const erp = realErp();
    const orderId = await placedAndReserved(sku, 'o', 2);
    await handOff(orderId);
    expect(await stockOf(sku)).toEqual({ [WH]: { onHand: 3, reserved: 0 } });

    const report = await reconcileRacing(sku, when, async () => {
      await record(erp, orderId, sku, 2);
      await end(orderId, 'completed');
    });
    expect(report.corrections).toEqual([]);
    expect(await erpStock(sku)).toEqual({ [WH]: 3 });
    expect(await stockOf(sku)).toEqual({ [WH]: { onHand: 3, reserved: 0 } });
  });

  it('recorded, then credited and cancelled in between: no unit lost', async () => {
    const sku = await newSku({ [WH]: 5 });
    const erp = realErp();
    const orderId = await placedAndReserved(sku, 'o', 2);
    await handOff(orderId);
    await record(erp, orderId, sku, 2);
    expect(await erpStock(sku)).toEqual({ [WH]: 3 });

    const report = await reconcileRacing(sku, when, async () => {
      await release(testDb(), orderId, 'cancelled');
      await credit(erp, orderId, sku, 2);
      await end(orderId, 'cancelled');
    });
    expect(report.corrections).toEqual([]);
    expect(await erpStock(sku)).toEqual({ [WH]: 5 });
    expect(await stockOf(sku)).toEqual({ [WH]: { onHand: 5, reserved: 0 } });
  });

  it('placed, handed off, recorded and completed, all in between: no unit created', async () => {
    const sku = await newSku({ [WH]: 5 });
    const erp = realErp();
    const report = await reconcileRacing(sku, when, async () => {
      const orderId = await placedAndReserved(sku, 'late', 1);
      await handOff(orderId);
      await record(erp, orderId, sku, 1);
      await end(orderId, 'completed');
    });
    expect(report.corrections).toEqual([]);
    expect(await erpStock(sku)).toEqual({ [WH]: 4 });
    expect(await stockOf(sku)).toEqual({ [WH]: { onHand: 4, reserved: 0 } });
  });

  it('real drift is still corrected, exactly once, while an order moves in between', async () => {
    const sku = await newSku({ [WH]: 5 });
    const erp = realErp();
    const orderId = await placedAndReserved(sku, 'o', 2);
    await handOff(orderId);
    // One unit found missing at the ERP: the only correction due.
    expect((await sim('/_sim/erp/stock/adjust', { sku, warehouse: WH, delta: -1 })).body.applied).toBe(-1);

    const report = await reconcileRacing(sku, when, async () => {
      await record(erp, orderId, sku, 2);
      await end(orderId, 'completed');
    });
    expect(report.corrections).toEqual([expect.objectContaining({ sku, warehouse: WH, delta: -1 })]);
    expect(await erpStock(sku)).toEqual({ [WH]: 2 });
    expect(await stockOf(sku)).toEqual({ [WH]: { onHand: 2, reserved: 0 } });
  });
});

describe.each(['before', 'after'] as const)('another reconciliation that runs %s the ERP snapshot', (when) => {
  it('corrects the drift once: the run that read first finds it corrected and applies nothing', async () => {
    const sku = await newSku({ [WH]: 5 });
    expect((await sim('/_sim/erp/stock/adjust', { sku, warehouse: WH, delta: -2 })).body.applied).toBe(-2);
    let other: Awaited<ReturnType<typeof reconcileStock>> | undefined;
    const report = await reconcileRacing(sku, when, async () => {
      other = await reconcileStock(testDb(), realErp(), `reconcile-interleaving-${sku}-other`, [sku]);
    });
    expect(other!.corrections).toEqual([expect.objectContaining({ sku, warehouse: WH, delta: -2 })]);
    expect(report.corrections).toEqual([]);
    expect(await stockOf(sku)).toEqual({ [WH]: { onHand: 3, reserved: 0 } });
  });
});

describe('a SKU that keeps moving between the reads', () => {
  it('is left for the next run after the bounded retries, not corrected from reads that disagree', async () => {
    const sku = await newSku({ [WH]: 9 });
    const port = realErp();
    // One order per attempt, handed off and not yet recorded: each attempt's ERP answer is followed by one of them
    // being recorded and completed, so every fresh read disagrees with the reads before it.
    const pending: string[] = [];
    for (let i = 0; i < RECONCILE_ATTEMPTS; i++) {
      const orderId = await placedAndReserved(sku, `o${i}`, 1);
      await handOff(orderId);
      pending.push(orderId);
    }
    let snapshots = 0;
    const erp: ErpPort = {
      ...port,
      async stockSnapshot(recordedSince: Date) {
        const snapshot = await port.stockSnapshot(recordedSince);
        snapshots += 1;
        const orderId = pending.shift();
        if (orderId) {
          await record(port, orderId, sku, 1);
          await end(orderId, 'completed');
        }
        return snapshot;
      },
    };
    const runId = `reconcile-interleaving-${sku}-moving`;
    const report = await reconcileStock(testDb(), erp, runId, [sku]);
    expect(snapshots).toBeGreaterThanOrEqual(1);
    expect(report.corrections).toEqual([]);
    expect(await erpStock(sku)).toEqual({ [WH]: 9 - RECONCILE_ATTEMPTS });
    expect(await stockOf(sku)).toEqual({ [WH]: { onHand: 9 - RECONCILE_ATTEMPTS, reserved: 0 } });
    const [run] = await testDb().select().from(reconciliationRuns).where(eq(reconciliationRuns.id, runId));
    expect(snapshots).toBe(RECONCILE_ATTEMPTS);
    expect(run!.details).toMatchObject({ unsettled: [{ sku, warehouse: WH }] });

    // The next run, on books at rest, finds nothing to correct.
    expect((await reconcileStock(testDb(), port, `${runId}-next`, [sku])).corrections).toEqual([]);
  });
});
