import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { logger } from '../../lib/logger';
import { retentionLastRun, retentionRemoved, retentionRunsFinished } from '../../lib/metrics';
import { RETENTION_STEPS, type RetentionPolicy, type RetentionReport, type RetentionStep, type RetentionStepResult } from '../../workflows/retention/contract';
import { cutoffOf } from './cutoffs';
import { batchLimitOf, pruneBatch } from './pruneBatch';
import { beginRun, finishRun } from './retentionRuns';

/** How long one call of a step prunes before it hands back to the workflow (which calls again until done). */
export const STEP_BUDGET_MS = 60_000;

export function retentionActivities({ db }: ActivityDeps) {
  // Every step's series exists from the worker's first scrape, before its first run.
  for (const step of RETENTION_STEPS) retentionRemoved.inc({ step }, 0);
  return {
    async beginRetentionRun(input: { runId: string; trigger: string; asOf: string; policy: RetentionPolicy }): Promise<{ asOf: string }> {
      return { asOf: (await beginRun(db, input)).toISOString() };
    },

    /**
     * Prunes one step in batches until nothing is left or its budget is spent, heartbeating after each batch (a
     * worker that dies mid-step is noticed within the heartbeat timeout, and the retry carries on from the rows
     * left). Bounded: one transaction changes at most a batch of rows.
     */
    async pruneRetentionStep(input: { runId: string; step: RetentionStep; asOf: string; policy: RetentionPolicy; budgetMs?: number }): Promise<RetentionStepResult> {
      const cutoff = cutoffOf(input.step, new Date(input.asOf), input.policy);
      const limit = batchLimitOf(input.step, input.policy.batchSize);
      const until = Date.now() + (input.budgetMs ?? STEP_BUDGET_MS);
      let removed = 0;
      for (;;) {
        const batch = await pruneBatch(db, input.runId, input.step, cutoff, input.policy.batchSize);
        removed += batch.removed;
        const context = Context.current();
        context.heartbeat({ step: input.step, removed });
        if (batch.taken < limit) return { removed, done: true };
        // Cancelled, or timed out and retried elsewhere (heard of through the heartbeat): what is done is counted.
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        if (Date.now() >= until) return { removed, done: false };
      }
    },

    async finishRetentionRun(input: { runId: string }): Promise<RetentionReport> {
      const { report, finishedNow } = await finishRun(db, input.runId);
      // Counted and logged once per run: a retried finish finds the run already finished.
      if (finishedNow) {
        retentionRunsFinished.inc();
        for (const step of RETENTION_STEPS) retentionRemoved.inc({ step }, report.counts[step]);
        retentionLastRun.setToCurrentTime();
        logger.info({ runId: report.runId, asOf: report.asOf, ...report.counts }, 'retention run finished');
      }
      return report;
    },
  };
}
