import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../../activities';
import type { ErpRecord } from '../../../activities/erp/contract';
import { Compensations, describeFailures } from '../compensations';
import { PAYMENT_ALERT, failureMessage, failureType, isBusinessFailure, outcomeOf } from '../failures';
import {
  BUSINESS_FAILURES,
  cancelOrderUpdate,
  orderStateQuery,
  paymentAlertSignal,
  resolveParkedOrderSignal,
  resolveParkedOrderUpdate,
  shipmentShippedSignal,
  type FailureReason,
  type OrderInput,
  type OrderState,
  type OrderStatus,
  type PaymentAlert,
} from '../contract';
import { briefAskOptions, compensationOptions, resolvePolicy, stepOptions } from '../policy';
import { OrderProgress } from '../progress';
import { Saga, runCompensations } from '../../saga';
import type { Authorization } from '../../payment/contract';
import { Shipment } from '../shipment';
import { StaffCancellations } from '../staffCancellation';
import { stepSummary } from '../summaries';

/** A parked step given up because a cancellation made it moot (not a failure of the order). */
class StepAbandoned extends Error {}

/**
 * patched(): when the order fails after a handoff, the warehouse is asked before a shipment is given up; one it
 * keeps (shipped, or picking under way) is paid for, recorded in the ERP and the order ends with it, the rest
 * undone. Before this, the saga gave every shipment up and a shipped parcel parked the order for good, unpaid.
 */
export const SHIPPED_PARCELS_ARE_PAID = 'shipped-parcels-are-paid';

/**
 * patched(): a staff cancel whose question to the WMS got no answer is not a refusal; the warehouse is asked again
 * under the same key until it answers, and the shipment waits (neither captured nor recorded) meanwhile. Before
 * this, a lost answer was reported as a refusal and the shipment was captured and recorded though the WMS had
 * cancelled its task.
 */
export const CANCEL_ANSWER_UNKNOWN = 'cancel-answer-unknown';

/**
 * patched(): a staff cancel interrupts the vendor call in flight of each shipment it accepts (label or handoff):
 * its retries stop, and the order's story is the cancel. Before this, the cancel waited for the step's whole retry
 * budget and then lost to its failure.
 */
export const CANCEL_STOPS_STEP = 'cancel-stops-step';

/** patched(): a step exhausted while a cancellation already made it moot is given up, not parked (no flicker). */
export const MOOT_STEP_NOT_PARKED = 'moot-step-not-parked';

/**
 * patched(): the lapsed authorization is voided with the order's settlement compensations (parking if the gateway
 * keeps failing), not inline before the capture, where one blip failed a good order.
 */
export const LAPSED_VOID_AT_SETTLEMENT = 'lapsed-void-at-settlement';

/**
 * patched(): a staff cancel asks the warehouse briefly (`briefAskOptions`: two attempts) before it answers; no answer
 * by then is an unknown answer, asked again in the background under the same key (CANCEL_ANSWER_UNKNOWN). Before
 * this, the cancel's update waited for the compensation's whole retry budget while the WMS was down (about 110 s
 * under the default policy), far past any HTTP caller's patience.
 */
export const CANCEL_ASKS_BRIEFLY = 'cancel-asks-briefly';

/**
 * patched(): the WMS's shipped callback reaches the saga (`shipmentShipped`): the shipment is known shipped, a staff
 * cancel refuses it without asking the warehouse, and a failing order keeps and pays for it without asking either.
 * Before this, the saga learnt of a shipment only from a refused cancellation. (Histories from before the handler
 * hold no such signal; the patch keeps a signal that reached an older worker from changing a replay.)
 */
export const WMS_SHIPPED_SIGNAL = 'wms-shipped-signal';

/**
 * patched(): before the authorization lapses (its `expiresAt` less the policy's margin), the saga captures the
 * shares of the shipments already handed off, and each shipment still on its way (parked, say) is then paid by an
 * authorization of its own, taken before its handoff and given up if it is declined. Before this, a park that
 * outlived the authorization left the parcels already out unpaid: the capture found it lapsed, an off-session
 * re-authorization of the whole order could be declined, and the order failed with goods out.
 */
export const CAPTURE_BEFORE_AUTHORIZATION_LAPSES = 'capture-before-authorization-lapses';

/** A shipment's own authorization is #3, #4, …: #1 is the order's, #2 its renewal after a lapse. */
const FIRST_OWN_AUTHORIZATION = 3;

type Outcome = { status: OrderStatus; reason: FailureReason };

/**
 * FROZEN: the second order saga type, kept so that orders started before `orderWorkflowV3` finish on the code they
 * started with, its patches included (their committed histories, test/fixtures/histories/v2-*.json and the first
 * type's, replay against it). New orders never start here; do not change this file. See docs/versioning.md.
 *
 * The order saga, shipment by shipment. Reserve stock while authorizing payment; label each shipment and hand
 * it to its warehouse; once every shipment is handed off or cancelled, capture what ships (once), notify, and
 * record it in the ERP. A shipment can be cancelled on its own at any moment until the order closes: its label,
 * WMS task and units are given back, its share of the money is never kept, and the ERP gets a credit if it had
 * recorded it. Any failure cancels every shipment and undoes the order's own steps, in reverse.
 */
export async function orderWorkflowV2(order: OrderInput): Promise<OrderState> {
  const policy = resolvePolicy(order.policy);
  // Forward steps wait for a cancelled activity to settle, so compensation never races a step in flight.
  const act = proxyActivities<OrderActivities>({ ...stepOptions(policy), cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED });
  const undo = proxyActivities<OrderActivities>(compensationOptions(policy));
  // A question a person is waiting on: asked briefly, then treated as unanswered (CANCEL_ASKS_BRIEFLY).
  const ask = proxyActivities<OrderActivities>(briefAskOptions(policy));
  // Hotpath's own bookkeeping (Postgres only): retried until it succeeds.
  const books = proxyActivities<OrderActivities>({ startToCloseTimeout: policy.stepTimeoutMs, retry: { initialInterval: policy.initialIntervalMs, maximumInterval: policy.maximumIntervalMs } });
  const { orderId, currency } = order;
  const progress = new OrderProgress(orderId);
  const saga = new Saga(); // the order's own steps: the hold, the authorization, the capture
  const fulfilment = new CancellationScope();
  let shipments: Shipment[] = [];
  let authorization: Authorization | undefined;
  let captured = false;
  let notified = false;
  // Authorization #1 lapsed and was replaced; it is voided at settlement (LAPSED_VOID_AT_SETTLEMENT).
  let lapsedAuthorization = false;
  // The order's authorization was captured early, before it lapsed, for the shipments handed off by then; every
  // other shipment is paid on an authorization of its own (CAPTURE_BEFORE_AUTHORIZATION_LAPSES).
  let capturedEarly = false;
  let capturing = false;
  let heedingAlerts = false;
  let authorizationTimer: CancellationScope | undefined;
  // What the ERP holds: known (null = nothing) or, after an attempt whose answer was lost, to be asked.
  const erp: { known: boolean; record: ErpRecord | null } = { known: true, record: null };
  let closing = false;
  let holdTimer: CancellationScope | undefined;
  // The saga's failure, once it failed. Declared before the handlers: an update that arrived with the start is
  // validated as its handler is set.
  let failure: Outcome | undefined;
  let failedWith: unknown;

  upsertSearchAttributes({ CustomerId: [order.customerId] });
  setHandler(orderStateQuery, () => progress.state);
  // A decision on a park: an update whose validator refuses it unless a park waits undecided (PARKS_HAVE_IDENTITY
  // in progress.ts); the signal stays for histories already running and an API of the previous deploy.
  setHandler(resolveParkedOrderUpdate, (request) => progress.decide(request), { validator: (request) => progress.validateDecision(request) });
  setHandler(resolveParkedOrderSignal, (request) => progress.resolveBySignal(request));
  progress.compensateRefusal = () => {
    const shipped = shipments.filter((s) => s.status === 'shipped').map((s) => s.id);
    if (shipped.length === 0) return undefined;
    return `${shipped.join(', ')} shipped and cannot be undone: resolve with retry, or cancel the order to cancel the shipments that have not shipped`;
  };
  // Shipments the WMS reported shipped (WMS_SHIPPED_SIGNAL), applied once the saga knows them handed off.
  const shippedByWarehouse = new Set<string>();
  const markShipped = (shipment: Shipment) => {
    if (!shippedByWarehouse.has(shipment.id) || !shipment.isHandedOff || shipment.status === 'shipped') return;
    shipment.status = 'shipped';
    progress.stepDone('shipment shipped', { shipmentId: shipment.id });
  };
  setHandler(shipmentShippedSignal, (event) => {
    if (!patched(WMS_SHIPPED_SIGNAL)) return;
    const shipment = shipments.find((s) => s.id === event.shipmentId);
    // Only the task the saga handed off: a callback for another task (or another order's) says nothing of this one.
    if (!shipment || (shipment.state.taskId !== undefined && shipment.state.taskId !== event.taskId)) return;
    shippedByWarehouse.add(shipment.id);
    markShipped(shipment);
  });
  // The gateway reported something the books do not explain (a dispute, money moved outside Hotpath).
  const paymentAlerts: PaymentAlert[] = [];
  setHandler(paymentAlertSignal, (alert) => {
    paymentAlerts.push(alert);
    progress.stepDone('payment alert', { ...alert });
  });
  // The key depends on the refusals recorded so far, so a question whose answer was lost is asked again as itself.
  const askToCancel = (shipmentId: string, proxy = undo) =>
    proxy.requestShipmentCancellation.executeWithOptions({ summary: stepSummary.askWarehouseToCancelShipment(shipmentId) }, [{ orderId, shipmentId }]);
  const cancellations = new StaffCancellations({
    progress,
    shipments: () => shipments,
    stopBeforeAllocation: () => fulfilment.cancel(),
    askWarehouse: (shipmentId) =>
      askToCancel(shipmentId, patched(CANCEL_ASKS_BRIEFLY) ? ask : undo).catch((err) =>
        patched(CANCEL_ANSWER_UNKNOWN)
          ? { confirmed: false, unknown: true, reason: failureMessage(err) }
          : { confirmed: false, reason: `the warehouse could not be asked: ${failureMessage(err)}` },
      ),
    interruptStep: (shipment) => {
      if (patched(CANCEL_STOPS_STEP)) shipment.interrupt();
    },
    askUntilAnswered: async (shipmentId) => {
      for (;;) {
        try {
          return await askToCancel(shipmentId);
        } catch {
          // The WMS stays silent: wait as long as a retry would at most, then ask again (same key).
          await sleep(policy.maximumIntervalMs);
        }
      }
    },
    closing: () => closing,
    failing: () => failure !== undefined,
  });
  setHandler(cancelOrderUpdate, (request) => cancellations.handle(request), { validator: (request) => cancellations.validate(request) });

  progress.parking = {
    // While a human decides, nothing may release the units still waiting for their handoff.
    beforeWait: async () => {
      holdTimer?.cancel();
      if (holdsAwaitHandoff()) await books.suspendHoldExpiry.executeWithOptions({ summary: stepSummary.suspendHoldExpiry() }, [{ orderId }]);
    },
    afterWait: async () => {
      if (!holdsAwaitHandoff()) return;
      await books.renewHoldExpiry.executeWithOptions({ summary: stepSummary.renewHoldExpiry(policy.holdTtlMs) }, [{ orderId, holdTtlMs: policy.holdTtlMs }]);
      watchHoldExpiry();
    },
  };

  // ── The hold's time to live: per shipment, until that shipment is handed off; paused while parked ──
  const holdsAwaitHandoff = () => shipments.some((s) => s.isLive && !s.isHandedOff);

  function watchHoldExpiry(): void {
    const timer = new CancellationScope();
    holdTimer = timer;
    timer
      .run(() => sleep(policy.holdTtlMs))
      .then(() => {
        // A park open or waiting to begin keeps the hold; its resume starts a fresh timer (PARKS_HAVE_IDENTITY).
        if (progress.holdKept) return;
        const expired = shipments.filter((s) => s.isLive && !s.isHandedOff);
        for (const shipment of expired) {
          shipment.holdExpired = true;
          shipment.stopRequested = true;
        }
        if (expired.length > 0) progress.stepDone('hold expired before the handoff', { shipments: expired.map((s) => s.id) });
      })
      .catch(() => {
        // Cancelled: every shipment was handed off, or the order was parked.
      });
  }

  /** Steps past their retry budget either fail the saga or wait for a human, as the policy says. */
  async function persevere<T>(step: string, run: () => Promise<T>, options: { mode?: 'fail' | 'park'; moot?: () => boolean } = {}): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if ((options.mode ?? policy.onStepExhausted) !== 'park' || isCancellation(err) || isBusinessFailure(err) || err instanceof StepAbandoned) throw err;
        if (options.moot?.() && patched(MOOT_STEP_NOT_PARKED)) throw new StepAbandoned(step);
        const decision = await progress.park(`${step} failed after ${policy.maximumAttempts} attempts: ${failureMessage(err)}`, 'vendor_unavailable', options.moot);
        if (decision === 'interrupted') throw new StepAbandoned(step);
        if (decision.action === 'compensate') throw err;
      }
    }
  }

  const compensations = new Compensations(progress);

  // ── The order's own steps ─────────────────────────────────────────────────────────────────────────
  const authorize = (attempt: number) =>
    saga.step(`authorize payment #${attempt}`, {
      run: () =>
        act.authorizePayment.executeWithOptions({ summary: stepSummary.authorize(order, attempt) }, [
          { orderId, attempt, amountCents: order.totalCents, currency, paymentToken: order.paymentToken },
        ]),
      undo: () => undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(attempt) }, [{ orderId, attempt }]),
    });

  const reserveAndAuthorize = () =>
    saga.parallel(
      () =>
        saga.step('reserve inventory', {
          run: () =>
            act.reserveInventory.executeWithOptions({ summary: stepSummary.reserve(order, policy.holdTtlMs) }, [
              { orderId, lines: order.lines, shipTo: order.shippingAddress, holdTtlMs: policy.holdTtlMs },
            ]),
          // Only held units: those handed to a warehouse come back with their shipment, once the WMS let go.
          undo: () => undo.releaseHold.executeWithOptions({ summary: stepSummary.releaseHold() }, [{ orderId, heldOnly: true }]),
        }),
      () => authorize(1),
    );

  /** Captures once, for the shipments that ship; a lapsed authorization is renewed once. */
  async function capture(live: Shipment[]): Promise<void> {
    const amountCents = live.reduce((n, s) => n + s.state.amountCents, 0);
    const shares = live.map((s) => ({ shipmentId: s.id, amountCents: s.state.amountCents }));
    const captureWith = (auth: Authorization) =>
      saga.step('capture payment', {
        run: () =>
          act.capturePayment.executeWithOptions({ summary: stepSummary.captureShipments(amountCents, currency, live.length) }, [
            { orderId, authorizationId: auth.authorizationId, amountCents, shares },
          ]),
        // Once the capture answered, each shipment's share is refunded on its own; before that, whatever the gateway took.
        undo: () => (captured ? Promise.resolve() : undo.refundPayment.executeWithOptions({ summary: stepSummary.refund(order) }, [{ orderId, authorizationId: auth.authorizationId }])),
      });
    let capturedCents: number;
    try {
      capturedCents = await captureWith(authorization!);
    } catch (err) {
      if (failureType(err) !== BUSINESS_FAILURES.authorizationExpired) throw err;
      authorization = await authorize(2);
      progress.state.authorization = authorization;
      if (patched(LAPSED_VOID_AT_SETTLEMENT)) lapsedAuthorization = true;
      else await undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(1) }, [{ orderId, attempt: 1 }]);
      capturedCents = await captureWith(authorization);
    }
    captured = true;
    for (const s of live) {
      s.state.capturedCents = s.state.amountCents;
      s.paidWith = authorization!.authorizationId;
    }
    progress.state.capturedCents = capturedCents;
  }

  // ── The authorization's deadline: capture what is out before it lapses; the rest pays on its own ────
  function watchAuthorizationDeadline(auth: Authorization): void {
    const now = Date.now();
    const expiresAt = Date.parse(auth.expiresAt);
    const margin = Math.min(policy.authorizationMarginMs, Math.max(0, (expiresAt - now) / 4));
    const timer = new CancellationScope();
    authorizationTimer = timer;
    timer.run(() => sleep(Math.max(1, expiresAt - margin - now))).then(
      () => CancellationScope.nonCancellable(captureBeforeLapse),
      () => undefined, // cancelled: the order captured at its settlement
    );
  }

  /**
   * The authorization is about to lapse and the order has not captured (a shipment is parked, say): the shares of
   * the shipments handed off are captured now, on it, and the gateway releases the rest. Nothing handed off means
   * nothing owed yet: a lapse then renews the whole authorization at the capture, as it always did.
   */
  async function captureBeforeLapse(): Promise<void> {
    await condition(() => cancellations.inFlight === 0);
    // Before more money moves, a human looks at every payment alert; a failing order captures what it keeps itself.
    if (captured || capturing || failure !== undefined || closing || heedingAlerts || paymentAlerts.length > 0) return;
    const handedOff = shipments.filter((s) => s.isLive && s.isHandedOff);
    if (handedOff.length === 0) return;
    capturing = true;
    // From here on, a shipment not yet handed off takes an authorization of its own first.
    capturedEarly = true;
    try {
      for (;;) {
        try {
          await capture(handedOff);
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
          // The gateway stays down: ask again under the same key (a capture's answer may have been lost).
          progress.stepDone('capture before the authorization lapses: the gateway did not answer, asking again', { error: failureMessage(err) });
          await sleep(policy.maximumIntervalMs);
        }
      }
    } finally {
      capturing = false;
    }
  }

  /** After the early capture: a shipment's own authorization, for its share (false: declined). */
  async function authorizeOwnShare(shipment: Shipment): Promise<boolean> {
    const attempt = FIRST_OWN_AUTHORIZATION + shipments.indexOf(shipment);
    const amountCents = shipment.state.amountCents;
    try {
      const own = await shipment.saga.step(`void authorization #${attempt}`, {
        run: () =>
          act.authorizePayment.executeWithOptions({ summary: stepSummary.authorizeShare(shipment.id, amountCents, currency, attempt) }, [
            { orderId, attempt, amountCents, currency, paymentToken: order.paymentToken },
          ]),
        undo: () => undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(attempt) }, [{ orderId, attempt }]),
      });
      shipment.ownAuthorization = { attempt, authorizationId: own.authorizationId };
      progress.stepDone('shipment authorized on its own', { shipmentId: shipment.id, attempt, amountCents });
      return true;
    } catch (err) {
      if (failureType(err) !== BUSINESS_FAILURES.paymentDeclined) throw err;
      progress.stepDone('own authorization declined', { shipmentId: shipment.id, error: failureMessage(err) });
      return false;
    }
  }

  /** Before its handoff: a shipment whose own authorization is declined goes no further, and is given up. */
  async function paidBeforeHandoff(shipment: Shipment): Promise<boolean> {
    if (!capturedEarly || shipment.ownAuthorization) return true;
    if (await authorizeOwnShare(shipment)) return true;
    shipment.accept({ kind: 'payment_declined', by: 'gateway', reason: 'the authorization of its share was declined' });
    shipment.stopRequested = true;
    return false;
  }

  /**
   * After the early capture, at settlement: each live shipment not paid yet is captured on its own authorization
   * (taken now if its handoff was already under way when the order's was captured). A capture that keeps failing
   * parks: retry captures again; compensate gives its money up and voids its authorization.
   */
  async function payTheRest(live: Shipment[]): Promise<void> {
    for (const shipment of live.filter((s) => !s.paidWith && !s.uncollected)) {
      // Handed off while the order's authorization was being captured: its own is asked for now.
      if (!shipment.ownAuthorization && !(await authorizeOwnShare(shipment))) {
        // Declined: the warehouse is asked to let it go; a parcel it keeps has left, and is never given up.
        if (await warehouseKeeps(shipment)) {
          shipment.uncollected = true;
          progress.stepDone('shipped unpaid: its own authorization was declined', { shipmentId: shipment.id, uncollectedCents: shipment.state.amountCents });
        } else {
          shipment.accept({ kind: 'payment_declined', by: 'gateway', reason: 'the authorization of its share was declined' });
        }
        continue;
      }
      const own = shipment.ownAuthorization!;
      const amountCents = shipment.state.amountCents;
      for (;;) {
        try {
          const capturedCents = await act.capturePayment.executeWithOptions({ summary: stepSummary.captureShipments(amountCents, currency, 1) }, [
            { orderId, authorizationId: own.authorizationId, amountCents, shares: [{ shipmentId: shipment.id, amountCents }] },
          ]);
          shipment.state.capturedCents = amountCents;
          shipment.paidWith = own.authorizationId;
          progress.state.capturedCents += capturedCents;
          break;
        } catch (err) {
          if (!(err instanceof TemporalFailure)) throw err;
          const decision = await progress.park(`capture of ${shipment.id} on its own authorization failed: ${failureMessage(err)}`, 'compensation_failed');
          if (decision !== 'interrupted' && decision.action === 'compensate') {
            progress.stepDone('capture given up', { by: decision.by, shipmentId: shipment.id, uncollectedCents: amountCents });
            await compensations.runAll([
              compensations.job(`void authorization #${own.attempt}`, () =>
                compensations.single(`void authorization #${own.attempt}`, () => undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(own.attempt) }, [{ orderId, attempt: own.attempt }])),
              ),
            ]);
            shipment.uncollected = true;
            break;
          }
        }
      }
    }
    captured = true;
    if (progress.status !== 'captured') await progress.moveTo('captured');
  }

  // ── One shipment: label, then hand off; each step's compensation registered before it runs ────────
  async function fulfilShipment(shipment: Shipment): Promise<void> {
    const plan = shipment.plan;
    const proceed = () => !shipment.stopRequested;
    try {
      const labelled = await shipment.exclusively(async () => {
        if (!proceed()) return false;
        const label = await shipment.saga.step(`cancel label ${plan.shipmentId}`, {
          run: () =>
            persevere('create label', () => shipment.interruptible(() => act.createLabel.executeWithOptions({ summary: stepSummary.label(plan) }, [{ orderId, shipment: plan, shipTo: order.shippingAddress }])), {
              moot: () => shipment.stopRequested,
            }),
          undo: () => undo.cancelLabel.executeWithOptions({ summary: stepSummary.cancelLabel(plan.shipmentId) }, [{ orderId, shipmentId: plan.shipmentId }]),
        });
        shipment.status = 'labelled';
        shipment.state.trackingNumber = label.trackingNumber;
        progress.state.labels.push(label);
        return true;
      });
      if (!labelled) return;
      await shipment.exclusively(async () => {
        if (!proceed()) return;
        // The order's authorization was captured early: this parcel leaves only once its own share is authorized.
        // (Tested before awaiting: an order that never captured early takes no extra turn here, so replays match.)
        if (capturedEarly && !shipment.ownAuthorization && !(await persevere('own authorization', () => paidBeforeHandoff(shipment), { moot: () => shipment.stopRequested }))) return;
        const task = await shipment.saga.step(`cancel WMS task ${plan.shipmentId}`, {
          run: () =>
            persevere(
              'warehouse handoff',
              async () => {
                // Captured early while this handoff was parked: the same rule, on its next attempt.
                if (capturedEarly && !shipment.ownAuthorization && !(await paidBeforeHandoff(shipment))) throw new StepAbandoned('warehouse handoff');
                return shipment.interruptible(() =>
                  act.handOffShipment.executeWithOptions({ summary: stepSummary.handOff(plan, shipment.state.trackingNumber!) }, [{ orderId, shipment: plan, trackingNumber: shipment.state.trackingNumber! }]),
                );
              },
              { moot: () => shipment.stopRequested },
            ),
          undo: () => undo.cancelWarehouseTask.executeWithOptions({ summary: stepSummary.cancelWarehouseTask(plan.shipmentId) }, [{ orderId, shipmentId: plan.shipmentId }]),
        });
        shipment.status = 'handed_off';
        shipment.state.taskId = task.taskId;
        // The WMS may have reported the parcel shipped before the handoff's answer reached the saga.
        markShipped(shipment);
        // The hold's TTL ends at the handoff: a timer that fired while the handoff was in flight no longer applies.
        shipment.holdExpired = false;
        progress.state.tasks.push(task);
      });
    } catch (err) {
      // A step a cancellation interrupted is abandoned, however it ended (cancelled between attempts; an attempt
      // already running ends in its own failure, a timeout, and Temporal retries it no more). The cancellation of
      // the whole fulfilment is not.
      const interrupted = shipment.interrupted && !CancellationScope.current().consideredCancelled;
      if (!(err instanceof StepAbandoned) && !interrupted) throw err;
    } finally {
      if (shipment.holdExpired && shipment.isLive) shipment.accept({ kind: 'hold_expired', by: 'hold timer', reason: 'the hold expired before the handoff' });
    }
  }

  // ── Settlement: what every shipment's state says about units, money and the system of record ───────
  const wmsStep = (shipmentId: string) => `cancel WMS task ${shipmentId}`;

  /** A cancelled shipment's own undo log (WMS task, label), then its units back: after the WMS let go, never before. */
  const undoShipment = (shipment: Shipment): string =>
    compensations.job(`undo ${shipment.id}`, () =>
      compensations.undoLog(shipment.saga, async (failed) => {
        if (failed.some((f) => f.name === wmsStep(shipment.id))) return [...describeFailures(failed), `release ${shipment.id}: waits until its WMS task is cancelled`];
        if (!shipment.isCancelled) {
          const release = await runCompensations(
            [
              {
                name: `release ${shipment.id}`,
                undo: () =>
                  undo.releaseShipment.executeWithOptions({ summary: stepSummary.releaseShipment(shipment.id) }, [
                    { orderId, shipmentId: shipment.id, warehouse: shipment.plan.warehouse, why: shipment.cancellation!.reason },
                  ]),
              },
            ],
            compensations.undone,
          );
          if (release.length > 0) return [...describeFailures(failed), ...describeFailures(release)];
          shipment.status = 'cancelled';
        }
        return describeFailures(failed);
      }),
    );

  /** A cancelled shipment's share of the capture goes back, once (its own idempotency key). */
  const refundShipment = (shipment: Shipment): string => {
    const owed = shipment.state.capturedCents - shipment.state.refundedCents;
    return compensations.job(`refund ${shipment.id}`, () =>
      compensations.single(
        `refund ${shipment.id}`,
        () =>
          undo.refundShipment.executeWithOptions({ summary: stepSummary.refundShipment(shipment.id, owed, currency) }, [
            { orderId, authorizationId: shipment.paidWith ?? authorization!.authorizationId, shipmentId: shipment.id, amountCents: owed },
          ]),
        () => (shipment.state.refundedCents += owed),
      ),
    );
  };

  /** A recorded shipment cancelled later: the ERP gets a credit that reverses it, exactly once. */
  const creditShipment = (shipment: Shipment, record: ErpRecord): string =>
    compensations.job(`ERP credit ${shipment.id}`, () =>
      compensations.single(
        `ERP credit ${shipment.id}`,
        () => undo.creditShipmentInErp.executeWithOptions({ summary: stepSummary.creditErp(shipment.id) }, [{ orderId, shipmentId: shipment.id, reason: 'cancelled' }]),
        () => record.creditedShipmentIds.push(shipment.id),
      ),
    );

  /** The order's own steps, in reverse: whatever the gateway took if the capture never answered, the authorization, the held units. */
  const undoOrder = (): string => compensations.job('undo order', () => compensations.undoLog(saga));

  /** The authorization that lapsed before the capture, replaced by a second one: voided once (idempotent at the gateway). */
  const voidLapsedAuthorization = (): string =>
    compensations.job('void lapsed authorization', () =>
      compensations.single('void authorization #1', () => undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(1) }, [{ orderId, attempt: 1 }])),
    );

  async function captureWhatShips(): Promise<void> {
    if (capturing) await condition(() => !capturing);
    const live = shipments.filter((s) => s.isLive);
    if (live.length > 0 && capturedEarly) return payTheRest(live);
    if (captured || live.length === 0) return;
    if (keptAfterFailure) return captureKeptParcels(live);
    await capture(live);
    authorizationTimer?.cancel();
    await progress.moveTo('captured');
  }

  /**
   * The order failed but the warehouse kept some parcels: they are paid for. The failure path has nothing left to
   * fall back to, so a capture that fails parks for a human rather than failing the workflow: retry captures
   * again; compensate gives the money up (the parcels are gone) and the authorization is voided, never left open.
   */
  async function captureKeptParcels(live: Shipment[]): Promise<void> {
    for (;;) {
      try {
        await capture(live);
        await progress.moveTo('captured');
        return;
      } catch (err) {
        const decision = await progress.park(`capture of the parcels the warehouse kept failed: ${failureMessage(err)}`, 'compensation_failed');
        if (decision !== 'interrupted' && decision.action === 'compensate') {
          progress.stepDone('capture given up', { by: decision.by, uncollectedCents: live.reduce((n, s) => n + s.state.amountCents, 0) });
          captureGivenUp = true;
          return;
        }
      }
    }
  }

  /**
   * Before a handed-off shipment is given up because the order failed, the warehouse is asked to let it go. A
   * refusal means the parcel leaves (or has left): the shipment is kept, and money follows it. A lost answer is
   * not a refusal: the shipment is given up, and its undo log asks again under the same key, parking if it must.
   */
  async function warehouseKeeps(shipment: Shipment): Promise<boolean> {
    if (shippedByWarehouse.has(shipment.id)) {
      shipment.status = 'shipped';
      shipment.state.note = 'shipped (the WMS reported it) when the order failed: it is paid for';
      progress.stepDone('shipment kept by the warehouse', { shipmentId: shipment.id, reason: 'already_shipped' });
      return true;
    }
    const answer = await askToCancel(shipment.id).catch(() => undefined);
    if (!answer) return false;
    if (answer.confirmed) {
      shipment.status = 'wms_cancelled';
      return false;
    }
    if (answer.reason === 'already_shipped') shipment.status = 'shipped';
    shipment.state.note = `kept by the warehouse (${answer.reason}) when the order failed: it is paid for`;
    progress.stepDone('shipment kept by the warehouse', { shipmentId: shipment.id, reason: answer.reason });
    return true;
  }

  async function notifyCustomer(): Promise<void> {
    const live = shipments.filter((s) => s.isLive);
    if (notified || !captured || live.length === 0) return;
    notified = true;
    const confirmation = { orderId, email: order.email, template: 'order_confirmed', trackingNumbers: live.map((s) => s.state.trackingNumber!) };
    await act.notifyCustomer.executeWithOptions({ summary: stepSummary.notify() }, [confirmation]).catch((err) => {
      // A missing e-mail is not worth refunding a good order; it stays visible in the timeline.
      progress.stepDone('notification failed', { error: failureMessage(err) });
    });
  }

  /**
   * The ERP gets the shipments that ship, once. After an attempt whose answer was lost the saga asks the ERP
   * what it holds before deciding anything. If the ERP stays down the order parks rather than refunds; a
   * cancellation accepted meanwhile makes the wait moot, and settlement runs again.
   */
  async function recordInErp(shipping: boolean): Promise<void> {
    const epoch = cancellations.epoch;
    try {
      await persevere(
        'record in ERP',
        async () => {
          if (!erp.known) {
            erp.record = await act.lookUpErpRecord.executeWithOptions({ summary: stepSummary.lookUpErpRecord() }, [{ orderId }]);
            erp.known = true;
          }
          const live = shipments.filter((s) => s.isLive);
          if (erp.record || !shipping || live.length === 0) return;
          erp.known = false;
          const shipmentIds = live.map((s) => s.id);
          const { erpOrderId } = await act.recordOrderInErp.executeWithOptions({ summary: stepSummary.recordInErp(shipmentIds.length) }, [{ orderId, shipmentIds }]);
          erp.record = { erpOrderId, shipmentIds, creditedShipmentIds: [] };
          erp.known = true;
        },
        { mode: 'park', moot: () => cancellations.epoch !== epoch },
      );
    } catch (err) {
      if (!(err instanceof StepAbandoned)) throw err;
    }
  }

  /** Before more money moves, a human looks at every payment alert: go on (retry) or give the order up (compensate). */
  async function heedPaymentAlerts(): Promise<void> {
    while (paymentAlerts.length > 0) {
      const alert = paymentAlerts.shift()!;
      heedingAlerts = true;
      try {
        const decision = await progress.park(`payment alert (${alert.kind}): ${alert.eventType} ${alert.eventId}: ${alert.detail}`, 'payment_alert');
        if (decision !== 'interrupted' && decision.action === 'compensate') {
          throw ApplicationFailure.create({ type: PAYMENT_ALERT, message: `given up by ${decision.by} after a payment alert: ${alert.eventType} ${alert.eventId}`, nonRetryable: true });
        }
      } finally {
        heedingAlerts = false;
      }
    }
  }

  /**
   * Brings units, money and the ERP in line with the shipments' states, pass after pass, until a pass sees no
   * cancellation arrive meanwhile; then the order closes and refuses new ones, so its outcome is one story.
   */
  async function settle(shipping: boolean): Promise<void> {
    for (;;) {
      await condition(() => cancellations.inFlight === 0);
      const epoch = cancellations.epoch;
      if (shipping) {
        await heedPaymentAlerts();
        await captureWhatShips();
        await notifyCustomer();
      }
      await recordInErp(shipping);
      if (!failure && !shipments.some((s) => s.isLive) && progress.status !== 'compensating') await beginCompensating(endOfAllCancelled(), 'every shipment was given up');
      const given = shipments.filter((s) => !s.isLive);
      const record = erp.record;
      await compensations.runAll([
        ...[...given].reverse().map(undoShipment),
        ...given.filter((s) => s.state.capturedCents > s.state.refundedCents).map(refundShipment),
        ...(record ? given.filter((s) => record.shipmentIds.includes(s.id) && !record.creditedShipmentIds.includes(s.id)).map((s) => creditShipment(s, record)) : []),
        ...(shipments.some((s) => s.isLive) && !captureGivenUp ? [] : [undoOrder()]),
        // (When the order's own steps are undone, their log voids authorization #1 already.)
        ...(lapsedAuthorization && shipments.some((s) => s.isLive) && !captureGivenUp ? [voidLapsedAuthorization()] : []),
      ]);
      if (cancellations.inFlight === 0 && epoch === cancellations.epoch && erp.known && (!shipping || paymentAlerts.length === 0)) {
        closing = true;
        return;
      }
    }
  }

  /** The order as a whole is being undone: say why, and who cancelled it if staff did. */
  async function beginCompensating(outcome: Outcome, why: string): Promise<void> {
    const staff = outcome.reason === 'cancelled_by_staff' ? (progress.state.cancellation ?? shipments.find((s) => s.cancellation?.kind === 'staff')?.cancellation) : undefined;
    await progress.moveTo('compensating', {
      reason: outcome.reason,
      note: staff ? `cancelled by ${staff.by}: ${staff.reason}` : why,
      detail: staff ? { cancelledBy: staff.by, cancelReason: staff.reason } : undefined,
    });
  }

  function endOfAllCancelled(): Outcome {
    const staff = progress.state.cancellation !== undefined || shipments.some((s) => s.cancellation?.kind === 'staff');
    if (staff) return { status: 'cancelled', reason: 'cancelled_by_staff' };
    return shipments.some((s) => s.cancellation?.kind === 'payment_declined') ? { status: 'failed', reason: 'payment_declined' } : { status: 'failed', reason: 'hold_expired' };
  }

  // ── The saga ──────────────────────────────────────────────────────────────────────────────────────
  // Set on the failure path when the warehouse kept parcels (SHIPPED_PARCELS_ARE_PAID).
  let keptAfterFailure = false;
  let captureGivenUp = false;
  try {
    await fulfilment.run(async () => {
      await progress.moveTo('processing');
      const [hold, auth] = await reserveAndAuthorize();
      authorization = auth;
      if (patched(CAPTURE_BEFORE_AUTHORIZATION_LAPSES)) watchAuthorizationDeadline(auth);
      progress.state.hold = hold;
      progress.state.authorization = auth;
      shipments = hold.shipments.map((plan) => new Shipment(plan));
      progress.state.shipments = shipments.map((s) => s.state);
      watchHoldExpiry();
      progress.stepDone('inventory reserved and payment authorized', { shipments: shipments.length, authorizationId: auth.authorizationId });
      await saga.parallel(...shipments.map((s) => () => fulfilShipment(s)));
      holdTimer?.cancel();
      // A cancel that interrupted a step accepts its shipment once the step let go: wait for it, so the order does
      // not say handed_off for a shipment being cancelled (only in runs with CANCEL_STOPS_STEP).
      if (shipments.some((s) => s.interrupted)) await condition(() => cancellations.inFlight === 0);
      if (shipments.some((s) => s.isLive)) await progress.moveTo('handed_off');
    });
    await settle(true);
  } catch (err) {
    // Anything but a Temporal failure is a bug: let the workflow task fail and retry until it is fixed.
    if (!(err instanceof TemporalFailure)) throw err;
    failure = outcomeOf(err, { cancelledByStaff: progress.state.cancellation !== undefined, holdExpired: false });
    failedWith = err;
  }

  await CancellationScope.nonCancellable(async () => {
    holdTimer?.cancel();
    if (failure) {
      await beginCompensating(failure, failureMessage(failedWith));
      const askFirst = shipments.some((s) => s.isLive && s.isHandedOff) && patched(SHIPPED_PARCELS_ARE_PAID);
      if (askFirst) await condition(() => cancellations.inFlight === 0);
      for (const shipment of shipments) {
        if (!shipment.isLive) continue;
        if (askFirst && shipment.isHandedOff && (await warehouseKeeps(shipment))) continue;
        shipment.accept({ kind: 'order_failed', by: 'saga', reason: failure.reason });
      }
      keptAfterFailure = askFirst && shipments.some((s) => s.isLive);
      await settle(keptAfterFailure);
    }
    const end = shipments.some((s) => s.isLive) ? undefined : (failure ?? endOfAllCancelled());
    if (keptAfterFailure) {
      // The parcels the warehouse kept are the order's story now: completed with them (a completed order has no
      // failure reason); the note says what failed and what was kept.
      const kept = shipments.filter((s) => s.isLive).map((s) => s.id);
      await progress.moveTo('completed', { note: `${kept.join(', ')} kept by the warehouse and ${captureGivenUp ? 'not paid (capture given up)' : 'paid for'}; the rest undone after: ${failureMessage(failedWith)}` });
    } else {
      await progress.moveTo(end?.status ?? 'completed', { reason: end?.reason });
    }
  });
  await condition(allHandlersFinished);
  return progress.state;
}
