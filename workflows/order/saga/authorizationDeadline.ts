import { CancellationScope, condition, patched, sleep, TemporalFailure } from '@temporalio/workflow';
import type { Authorization } from '../../payment/contract';
import { failureMessage, isBusinessFailure } from '../failures';
import { capture } from './capture';
import { FAILURE_WAITS_FOR_EARLY_CAPTURE } from './patches';
import type { OrderSaga } from './orderSaga';

/**
 * The authorization's deadline: at its `expiresAt` less the policy's margin (at most a quarter of its lifetime),
 * capture what is out before it lapses; the rest pays on its own.
 */
export function watchAuthorizationDeadline(saga: OrderSaga, auth: Authorization): void {
  const now = Date.now();
  const expiresAt = Date.parse(auth.expiresAt);
  const margin = Math.min(saga.policy.authorizationMarginMs, Math.max(0, (expiresAt - now) / 4));
  const timer = new CancellationScope();
  saga.money.deadline = timer;
  timer.run(() => sleep(Math.max(1, expiresAt - margin - now))).then(
    () => CancellationScope.nonCancellable(() => captureBeforeLapse(saga)),
    () => undefined, // cancelled: the order captured at its settlement
  );
}

/**
 * The authorization is about to lapse and the order has not captured (a shipment is parked, say): the shares of
 * the shipments handed off are captured now, on it, and the gateway releases the rest. Nothing handed off means
 * nothing owed yet: a lapse then renews the whole authorization at the capture.
 */
async function captureBeforeLapse(saga: OrderSaga): Promise<void> {
  const { money, progress } = saga;
  await condition(() => saga.cancellations.inFlight === 0);
  // Before more money moves, a human looks at every payment alert; a failing order captures what it keeps itself.
  if (money.captured || money.capturing || saga.failure !== undefined || saga.closing || saga.heedingAlerts || saga.paymentAlerts.length > 0) return;
  const handedOff = saga.shipments.filter((s) => s.isLive && s.isHandedOff);
  if (handedOff.length === 0) return;
  money.capturing = true;
  // From here on, a shipment not yet handed off takes an authorization of its own first.
  money.capturedEarly = true;
  try {
    for (;;) {
      try {
        await capture(saga, handedOff);
        progress.stepDone('captured before the authorization lapses', { shipments: handedOff.map((s) => s.id), capturedCents: progress.state.capturedCents });
        return;
      } catch (err) {
        if (!(err instanceof TemporalFailure)) throw err;
        if (isBusinessFailure(err)) {
          // Lapsed already, and renewing it for the whole order was declined: nothing was captured. Each shipment
          // then asks for its own share at the settlement, so one refusal gives up one parcel, not the order.
          progress.stepDone('capture before the authorization lapses failed', { error: failureMessage(err) });
          return;
        }
        // The order failed meanwhile: it undoes what this attempt may have taken (the capture's own undo), so no
        // further attempt (FAILURE_WAITS_FOR_EARLY_CAPTURE).
        if (saga.failure !== undefined && patched(FAILURE_WAITS_FOR_EARLY_CAPTURE)) return;
        // The gateway stays down: ask again under the same key (a capture's answer may have been lost).
        progress.stepDone('capture before the authorization lapses: the gateway did not answer, asking again', { error: failureMessage(err) });
        await sleep(saga.policy.maximumIntervalMs);
        if (saga.failure !== undefined && patched(FAILURE_WAITS_FOR_EARLY_CAPTURE)) return;
      }
    }
  } finally {
    money.capturing = false;
  }
}
