import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { compensations, stepDuration, stepRetries } from '../lib/metrics';

/** The activities that undo a step; their attempts are also counted as compensations. */
const COMPENSATIONS = new Set(['releaseHold', 'voidAuthorization', 'refundPayment', 'cancelLabel', 'cancelWarehouseTask', 'requestWarehouseCancellation']);

function outcomeOf(err: unknown): string {
  if (err instanceof ApplicationFailure && err.nonRetryable) return 'business_failure';
  return 'error';
}

/** Times every attempt of every activity and counts retries and compensations, labelled by step only. */
export const activityMetrics: ActivityInterceptorsFactory = (ctx: Context) => {
  const inbound: ActivityInboundCallsInterceptor = {
    async execute(input, next) {
      const { activityType: step, attempt } = ctx.info;
      if (attempt > 1) stepRetries.inc({ step });
      const timer = stepDuration.startTimer({ step });
      let outcome = 'ok';
      try {
        return await next(input);
      } catch (err) {
        outcome = outcomeOf(err);
        throw err;
      } finally {
        timer({ outcome });
        if (COMPENSATIONS.has(step)) compensations.inc({ compensation: step, outcome });
      }
    },
  };
  return { inbound };
};
