import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createOrderActivities } from '../../activities';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { reconciliationRuns as runsTable } from '../../db/schema';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { reconciliationRuns, reconciliationUnitsCorrected } from '../../lib/metrics';
import { paymentGateway } from '../../worker/createWorker';
import { vendorPorts } from '../../worker/vendors';
import { stockOf } from '../support/invariants';
import { newSku, sim, simUrl, testDb } from '../support/stack';

const activities = () => {
  const config = loadConfig({ ...vendorUrlsFor(simUrl()) });
  return createOrderActivities({ db: testDb(), payments: paymentGateway(config), ...vendorPorts(config, testDb()), allocation: nearestSingleWarehouseFirst });
};
const counter = async (metric: { get(): Promise<{ values: { value: number }[] }> }) => (await metric.get()).values.reduce((n, v) => n + v.value, 0);

/** A reconciliation activity retried after its commit (a worker crash, a lost completion) must not count twice. */
describe('reconciliation counts once per run', () => {
  it('a retried reconcileStockWithErp answers the run it applied, and a retried recording counts the run once', async () => {
    const sku = await newSku({ 'wh-east': 10 });
    await sim('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 6 }, 'PUT');
    const runId = `reconcile-retry-${sku}`;
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: runId, runId: 'r1' } });
    const acts = activities();

    const first = (await env.run(acts.reconcileStockWithErp, { skus: [sku] })) as Awaited<ReturnType<typeof acts.reconcileStockWithErp>>;
    const retried = await env.run(acts.reconcileStockWithErp, { skus: [sku] });
    expect(first.corrections).toEqual([expect.objectContaining({ sku, warehouse: 'wh-east', delta: -4 })]);
    expect(retried).toEqual(first);
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 6, reserved: 0 } });

    const runsBefore = await counter(reconciliationRuns);
    const unitsBefore = await counter(reconciliationUnitsCorrected);
    const report = { ...first, holdsReleased: 0 };
    await env.run(acts.recordReconciliationRun, { report, trigger: 'staff', startedAt: new Date().toISOString() });
    await env.run(acts.recordReconciliationRun, { report, trigger: 'staff', startedAt: new Date().toISOString() });
    expect((await counter(reconciliationRuns)) - runsBefore).toBe(1);
    expect((await counter(reconciliationUnitsCorrected)) - unitsBefore).toBe(4);
    const [row] = await testDb().select().from(runsTable).where(eq(runsTable.id, runId));
    expect(row).toMatchObject({ trigger: 'staff', corrections: 1, unitsCorrected: 4 });
    expect(row!.finishedAt).toBeInstanceOf(Date);

    // A new run on unchanged books changes nothing.
    const next = (await new MockActivityEnvironment({ workflowExecution: { workflowId: `${runId}-2`, runId: 'r2' } }).run(acts.reconcileStockWithErp, { skus: [sku] })) as typeof first;
    expect(next.corrections).toEqual([]);
  });
});
