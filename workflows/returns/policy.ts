import type { ActivityOptions } from '@temporalio/workflow';
import type { SagaPolicy } from '../order/contract';

/**
 * The return workflow's retry shape: the order saga's production defaults (docs/saga.md, *Retries and timeouts*),
 * overridden by the policy the return was requested under (the API's SAGA_POLICY, so tests run it with 50 ms
 * backoffs). Its own copy: a context imports another's contract only, and the saga's policy file is not one.
 */
const DEFAULTS = { initialIntervalMs: 1_000, backoffCoefficient: Math.sqrt(20), maximumIntervalMs: 60_000, maximumAttempts: 5, compensationAttempts: 5, stepTimeoutMs: 5_000 };

type ReturnPolicy = typeof DEFAULTS;

export function resolveReturnPolicy(overrides: Partial<SagaPolicy> | undefined): ReturnPolicy {
  const picked = Object.fromEntries(Object.keys(DEFAULTS).flatMap((k) => (overrides?.[k as keyof SagaPolicy] === undefined ? [] : [[k, overrides[k as keyof SagaPolicy]]])));
  return { ...DEFAULTS, ...picked };
}

const retry = (policy: ReturnPolicy, maximumAttempts?: number) => ({
  initialInterval: policy.initialIntervalMs,
  backoffCoefficient: policy.backoffCoefficient,
  maximumInterval: policy.maximumIntervalMs,
  ...(maximumAttempts ? { maximumAttempts } : {}),
  nonRetryableErrorTypes: ['InvalidAddress', 'VendorContractViolation', 'RecipientRejected'],
});

/** The label and the expectation: a vendor call with the saga's attempt budget; exhausted, the return is undone. */
export const returnStepOptions = (policy: ReturnPolicy): ActivityOptions => ({ startToCloseTimeout: policy.stepTimeoutMs, retry: retry(policy, policy.maximumAttempts) });

/** Compensations: the same backoff and their own budget. */
export const returnCompensationOptions = (policy: ReturnPolicy): ActivityOptions => ({ startToCloseTimeout: policy.stepTimeoutMs, retry: retry(policy, policy.compensationAttempts) });

/** A cancel a person waits on: asked twice, then the answer is unknown and the API says so (503). */
export const returnBriefAskOptions = (policy: ReturnPolicy): ActivityOptions => ({ startToCloseTimeout: policy.stepTimeoutMs, retry: retry(policy, Math.min(2, policy.compensationAttempts)) });

/**
 * After the receipt, what the customer is owed and the books: the refund, the stock and the ERP credit are asked
 * again under the same keys until they are answered (a lost answer is never taken for a refusal), at most every
 * `maximumIntervalMs`.
 */
export const returnSettlementOptions = (policy: ReturnPolicy): ActivityOptions => ({ startToCloseTimeout: policy.stepTimeoutMs, retry: retry(policy) });
