import { endOfAllCancelled, type Outcome } from './decisions';
import type { OrderSaga } from './orderSaga';

/** The end of an order whose every shipment was given up (see decisions.ts). */
export const allCancelledOutcome = (saga: OrderSaga): Outcome =>
  endOfAllCancelled({ orderCancelledByStaff: saga.progress.state.cancellation !== undefined, shipments: saga.facts() });

/** The order as a whole is being undone: say why, and who cancelled it if staff did. */
export async function beginCompensating(saga: OrderSaga, outcome: Outcome, why: string): Promise<void> {
  const { progress } = saga;
  const staff = outcome.reason === 'cancelled_by_staff' ? (progress.state.cancellation ?? saga.shipments.find((s) => s.cancellation?.kind === 'staff')?.cancellation) : undefined;
  await progress.moveTo('compensating', {
    reason: outcome.reason,
    note: staff ? `cancelled by ${staff.by}: ${staff.reason}` : why,
    detail: staff ? { cancelledBy: staff.by, cancelReason: staff.reason } : undefined,
  });
}
