import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { BUSINESS_FAILURES, type SagaPolicy } from './contract';

export const DEFAULT_POLICY: SagaPolicy = {
  initialIntervalMs: 1_000,
  // √20: retries wait 1 s → 4.5 s → 20 s → 60 s (capped), the seeds' 1s → 5s → 20s → 60s shape.
  backoffCoefficient: Math.sqrt(20),
  maximumIntervalMs: 60_000,
  maximumAttempts: 5,
  compensationAttempts: 5,
  stepTimeoutMs: 5_000,
  holdTtlMs: 15 * 60_000,
  onStepExhausted: 'fail',
  // Stripe holds a card authorization for 7 days: capture what has left by day 6.
  authorizationMarginMs: 24 * 3_600_000,
};

export function resolvePolicy(overrides: Partial<SagaPolicy> | undefined): SagaPolicy {
  return { ...DEFAULT_POLICY, ...overrides };
}

function retry(policy: SagaPolicy, maximumAttempts: number): RetryPolicy {
  return {
    initialInterval: policy.initialIntervalMs,
    backoffCoefficient: policy.backoffCoefficient,
    maximumInterval: policy.maximumIntervalMs,
    maximumAttempts,
    nonRetryableErrorTypes: Object.values(BUSINESS_FAILURES),
  };
}

/** Options of forward steps that call a vendor. */
export function stepOptions(policy: SagaPolicy): ActivityOptions {
  return {
    startToCloseTimeout: policy.stepTimeoutMs,
    retry: retry(policy, policy.maximumAttempts),
  };
}

/** Options of compensations: the same backoff, with their own attempt budget before the order is parked. */
export function compensationOptions(policy: SagaPolicy): ActivityOptions {
  return {
    startToCloseTimeout: policy.stepTimeoutMs,
    retry: retry(policy, policy.compensationAttempts),
  };
}

/**
 * Options of a question a person waits on (a staff cancel asking the warehouse): two attempts, then the answer is
 * unknown and asked again in the background, so the caller hears back in seconds rather than after the budget.
 */
export function briefAskOptions(policy: SagaPolicy): ActivityOptions {
  return {
    startToCloseTimeout: policy.stepTimeoutMs,
    retry: retry(policy, Math.min(2, policy.compensationAttempts)),
  };
}
