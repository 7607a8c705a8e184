import type { SagaPolicy } from '../../workflows/order/contract';

/**
 * The walks' saga policy: production's shape compressed so a walk settles in seconds. A step that exhausts its
 * retries parks the order for a human (the walk resolves it), and holds live 15 s so expiry happens too.
 */
export const WALK_SAGA_POLICY: Partial<SagaPolicy> = {
  initialIntervalMs: 100,
  backoffCoefficient: 2,
  maximumIntervalMs: 400,
  maximumAttempts: 4,
  compensationAttempts: 6,
  stepTimeoutMs: 2_000,
  holdTtlMs: 15_000,
  onStepExhausted: 'park',
};

/** The vendor client's own timeout: below the step timeout, so a hung call fails the attempt, not the step. */
export const WALK_VENDOR_TIMEOUT_MS = '1500';

/** A worker killed less than this long ago is not killed again: restarts cost seconds of two shared cores. */
export const WORKER_KILL_GAP_MS = 15_000;

/** How long a walk's return waits for its receipt: long enough for a command to receive it, short enough to expire while the walk settles. */
export const WALK_RETURN_RECEIPT_WINDOW = '8s';
