import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { Problem } from '../problem';

/** How long a cancel (unless CANCEL_ANSWER_TIMEOUT_MS says otherwise) or a decision waits for the saga's answer before the API answers 503. */
export const SAGA_UPDATE_TIMEOUT_MS = { cancel: 30_000, resolve: 10_000 } as const;

/** The saga's refusal of an update (its validator or handler), with the ApplicationFailure's type if it has one. */
export interface SagaRefusal {
  message: string;
  type?: string;
  details?: unknown[];
}

/**
 * Sends an update to an order's saga and turns what can go wrong on the way into answers that say what happened,
 * never a 500: the saga refused (`refused`, the caller's 409), the saga has ended (409), no answer within the
 * deadline (503: nothing was confirmed). `ended` words the 409 of a saga that is gone (just ended, or not started).
 */
export async function updateSaga<T>(
  client: Client,
  timeoutMs: number,
  send: () => Promise<T>,
  answers: { refused: (refusal: SagaRefusal) => Problem | T | Promise<Problem | T>; ended: () => Problem; what: string },
): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, send);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const refusal: SagaRefusal = {
        message: cause?.message ?? err.message,
        type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined,
        details: cause instanceof ApplicationFailure ? cause.details ?? undefined : undefined,
      };
      const answer = await answers.refused(refusal);
      if (answer instanceof Problem) throw answer;
      return answer;
    }
    if (hasEnded(err)) throw answers.ended();
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || grpcCode(err) === 4 || grpcCode(err) === 14) {
      throw new Problem(
        503,
        'Saga did not answer',
        `the order's saga did not answer within ${Math.round(timeoutMs / 1000)} s (its worker or Temporal may be down): the ${answers.what} was not confirmed; read the order, and send it again if it still applies`,
        { retryAfterSeconds: 5 },
      );
    }
    if (grpcCode(err) === 9) {
      // FAILED_PRECONDITION: Temporal takes no update while the saga's last workflow task failed (a bug or a payload
      // it cannot read; it retries, and stays stuck until fixed): the caller is told the truth, not a 500.
      throw new Problem(
        503,
        'Saga cannot answer',
        `the order's saga cannot take the ${answers.what} now: its workflow task is failing (operators see it in the Temporal Web UI); nothing was changed; send it again later`,
        { retryAfterSeconds: 30 },
      );
    }
    throw err;
  }
}

/** The workflow is gone: it has ended (or was never started). */
export function hasEnded(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || grpcCode(err) === 5;
}

/** The gRPC status of an error or of its cause (a ServiceError wraps the call's error). */
function grpcCode(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}
