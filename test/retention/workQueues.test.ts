import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { workQueue } from '../../activities/retention/pruneBatch';
import { RETENTION_STEPS, type RetentionStep } from '../../workflows/retention/contract';
import { useScratchDatabases } from '../support/scratchDatabase';

/** The partial index each step's batch scans (db/schema.ts): it holds exactly the step's remaining work. */
const INDEX_OF: Record<RetentionStep, string> = {
  webhookDeliveries: 'webhook_deliveries_delivered_idx',
  webhookEvents: 'webhook_events_fanned_out_idx',
  idempotencyKeys: 'orders_ended_key_held_idx',
  orderEvents: 'orders_ended_events_held_idx',
  personalData: 'orders_ended_pii_held_idx',
};

const newDatabase = useScratchDatabases('hotpath_queues');

describe("retention's work queues", () => {
  it('are each a scan of its partial index, so a batch costs its rows, not the table', async () => {
    const { db } = await newDatabase();
    expect(Object.keys(INDEX_OF).sort()).toEqual([...RETENTION_STEPS].sort());
    for (const step of RETENTION_STEPS) {
      const plan = await db.transaction(async (tx) => {
        // With sequential scans priced out, the planner scans an index wherever one can serve the query: a query
        // whose predicate the index's does not cover (a status list it cannot read, a column left out) still scans the table.
        await tx.execute(sql`set local enable_seqscan = off`);
        const rows = await tx.execute<{ 'QUERY PLAN': string }>(sql`explain ${workQueue(step, new Date(), 100)}`);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan, `${step}:\n${plan}`).toContain(INDEX_OF[step]);
      expect(plan, `${step}:\n${plan}`).not.toContain('Seq Scan');
    }
  });
});
