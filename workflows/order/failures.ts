import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { BUSINESS_FAILURES, type FailureReason, type OrderStatus } from './contract';

/** The ApplicationFailure type behind an activity failure, if any. */
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
}

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export function isBusinessFailure(err: unknown): boolean {
  const type = failureType(err);
  return type !== undefined && (Object.values(BUSINESS_FAILURES) as string[]).includes(type);
}

/** A human gave the order up after a payment alert (thrown by the saga itself, not by an activity). */
export const PAYMENT_ALERT = 'PaymentAlert';

/** Maps why the saga stopped to the order's terminal status and reason. */
export function outcomeOf(err: unknown, why: { cancelledByStaff: boolean; holdExpired: boolean }): { status: OrderStatus; reason: FailureReason } {
  // An accepted cancellation decides the outcome, whatever the step in flight then reported (it may have
  // timed out rather than been cancelled).
  if (why.cancelledByStaff) return { status: 'cancelled', reason: 'cancelled_by_staff' };
  if (why.holdExpired && isCancellation(err)) return { status: 'failed', reason: 'hold_expired' };
  switch (failureType(err)) {
    case BUSINESS_FAILURES.outOfStock:
      return { status: 'rejected', reason: 'out_of_stock' };
    case BUSINESS_FAILURES.paymentDeclined:
      return { status: 'rejected', reason: 'payment_declined' };
    case BUSINESS_FAILURES.invalidAddress:
      return { status: 'rejected', reason: 'invalid_address' };
    case BUSINESS_FAILURES.holdExpired:
      return { status: 'failed', reason: 'hold_expired' };
    case BUSINESS_FAILURES.authorizationExpired:
      return { status: 'failed', reason: 'authorization_expired' };
    case PAYMENT_ALERT:
      return { status: 'failed', reason: 'payment_alert' };
    default:
      return { status: 'failed', reason: 'vendor_unavailable' };
  }
}
