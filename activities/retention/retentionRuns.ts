import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { retentionRuns } from '../../db/schema';
import type { RetentionPolicy, RetentionReport } from '../../workflows/retention/contract';

/**
 * Records the run's start and the instant its cut-offs are taken from, once: a retried activity, or the run
 * retried under the same id, gets the instant first recorded. Answers it.
 */
export async function beginRun(db: Database, run: { runId: string; trigger: string; asOf: string; policy: RetentionPolicy }): Promise<Date> {
  await db
    .insert(retentionRuns)
    .values({ id: run.runId, trigger: run.trigger, asOf: new Date(run.asOf), policy: run.policy as unknown as Record<string, unknown> })
    .onConflictDoNothing({ target: retentionRuns.id });
  const [row] = await db.select({ asOf: retentionRuns.asOf }).from(retentionRuns).where(eq(retentionRuns.id, run.runId));
  return row!.asOf;
}

/** Marks the run finished, once; answers its report and whether this call finished it (so metrics count each run once). */
export async function finishRun(db: Database, runId: string): Promise<{ report: RetentionReport; finishedNow: boolean }> {
  const finished = await db
    .update(retentionRuns)
    .set({ finishedAt: sql`now()` })
    .where(sql`${retentionRuns.id} = ${runId} and ${retentionRuns.finishedAt} is null`)
    .returning({ id: retentionRuns.id });
  const [row] = await db.select().from(retentionRuns).where(eq(retentionRuns.id, runId));
  if (!row) throw new Error(`retention run ${runId} was never begun`);
  return {
    finishedNow: finished.length > 0,
    report: {
      runId,
      asOf: row.asOf.toISOString(),
      counts: {
        webhookDeliveries: row.webhookDeliveriesDeleted,
        webhookEvents: row.webhookEventsDeleted,
        idempotencyKeys: row.idempotencyKeysExpired,
        orderEvents: row.orderEventsDeleted,
        personalData: row.ordersRedacted,
      },
    },
  };
}
