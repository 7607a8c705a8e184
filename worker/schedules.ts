import { isGrpcServiceError, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, ServiceError, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import { UndecryptablePayloadError } from '../lib/codec/aesGcmCodec';
import { logger } from '../lib/logger';

/** The worker's schedules (reconciliation, retention) are ensured alike: worker/inventory/, worker/retention/. */

const MAX_ROUNDS = 8;
/** gRPC codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) the rounds treat as "try again". */
const DEADLINE_EXCEEDED = 4;
/** What the server answers about a schedule whose backing workflow a peer is deleting. */
const FAILED_PRECONDITION = 9;
const UNAVAILABLE = 14;

const grpcCode = (err: unknown): number | undefined => {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) ? cause.code : undefined;
};

/** The schedule is gone, or going, under this worker: a peer deleted it to replace it. */
function removedByPeer(err: unknown): boolean {
  return err instanceof ScheduleNotFoundError || grpcCode(err) === FAILED_PRECONDITION;
}

/**
 * No answer in time, or none at all: describing a schedule queries its backing workflow, and one a peer has just
 * created (or is replacing) may not answer before the server's deadline on a busy cluster. Whether or not the
 * call took effect, the next round reads the schedule afresh, so going round again is safe.
 */
function noAnswer(err: unknown): boolean {
  const code = grpcCode(err);
  return code === DEADLINE_EXCEEDED || code === UNAVAILABLE;
}

const pause = (round: number) => new Promise((resolve) => setTimeout(resolve, Math.min(200 * round, 2_000)));

/**
 * Creates a schedule that starts one workflow, or brings an existing one to this spec and action (its runs never
 * overlap: a run still going when the next is due skips that one). Safe to call from every worker at every start,
 * by any number of workers at once.
 */
export async function ensureSchedule(
  client: Client,
  options: { what: string; scheduleId: string; spec: ScheduleSpec; action: ScheduleOptionsStartWorkflowAction<any> },
): Promise<void> {
  const { what, scheduleId, spec, action } = options;
  const create = () => client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  const handle = client.schedule.getHandle(scheduleId);
  // Every worker runs this at start, so peers race: between our create and our update another may delete the
  // schedule (replacing a sealed one) or create it. Each round ends in a schedule of ours, or goes round again
  // from where the peer left it; a bound turns a pathological tie (two keys fighting) into a start-up error.
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    try {
      await create();
      return;
    } catch (err) {
      if (removedByPeer(err)) continue; // still being deleted by a peer: the next round creates it
      if (noAnswer(err)) {
        await pause(round);
        continue;
      }
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    try {
      await handle.update((previous) => ({ ...previous, spec, action }));
      return;
    } catch (err) {
      if (removedByPeer(err)) continue; // a peer deleted it to replace it: create it ourselves
      if (noAnswer(err)) {
        await pause(round);
        continue;
      }
      if (!(err instanceof UndecryptablePayloadError)) throw err;
      // Sealed with a payload key this worker does not hold (rotated out, or another environment's key): the
      // schedule is entirely defined here, so it is replaced rather than left to crash every worker start.
      logger.warn({ scheduleId, keyId: err.keyId }, `${what} schedule is sealed with an unknown payload key: recreating it`);
      await handle.delete().catch((e) => {
        if (!removedByPeer(e) && !noAnswer(e)) throw e;
      });
    }
  }
  throw new Error(`the ${what} schedule ${scheduleId} kept changing under this worker for ${MAX_ROUNDS} rounds (workers with different payload keys on one task queue, or a server that does not answer?)`);
}
