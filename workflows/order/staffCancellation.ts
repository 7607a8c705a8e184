import { ApplicationFailure, patched } from '@temporalio/workflow';
import { BUSINESS_FAILURES, TERMINAL_STATUSES, type CancelRequest, type CancelResult } from './contract';
import type { OrderProgress } from './progress';
import type { Shipment } from './shipment';

export interface StaffCancellationDeps {
  progress: OrderProgress;
  shipments: () => readonly Shipment[];
  /** Nothing is allocated yet: stop the reservation and the authorization in flight, and undo what they did. */
  stopBeforeAllocation: () => void;
  /**
   * After the handoff the warehouse decides: it confirms, or refuses with its reason; `unknown` when its answer
   * never came (asked, answers lost or the WMS down past the attempts): that is not a refusal.
   */
  askWarehouse: (shipmentId: string) => Promise<WarehouseAnswer>;
  /** Stops the shipment's vendor call in flight, so its retries do not outlive the cancel (CANCEL_STOPS_STEP). */
  interruptStep: (shipment: Shipment) => void;
  /** Asks the warehouse again under the same key, round after round, until it answers (CANCEL_ANSWER_UNKNOWN). */
  askUntilAnswered: (shipmentId: string) => Promise<WarehouseAnswer>;
  /** The order is closing: every shipment is settled and the outcome decided. */
  closing: () => boolean;
  /** The saga failed and is undoing the order: its outcome is that failure, whatever a cancel would say. */
  failing: () => boolean;
  /** A saga type born with WHOLE_CANCEL_PARTLY_REFUSED (orderWorkflowV3) has it unpatched. */
  wholeCancelPartlyRefused?: boolean;
}

type Who = { by: string; reason: string };

/**
 * patched(): a whole-order cancel that some shipment refused no longer marks the order as cancelled by staff.
 * Before this, every later cancel was refused as "already in progress" and a later failure ended the order
 * `cancelled_by_staff`.
 */
export const WHOLE_CANCEL_PARTLY_REFUSED = 'whole-cancel-partly-refused';

export type WarehouseAnswer = { confirmed: boolean; reason?: string; unknown?: boolean };

/**
 * The `cancelOrder` update: staff cancel the whole order or named shipments. Each shipment is accepted (its
 * pipeline stops before its next step; the saga then settles it) or refused with why. Accepting is all the
 * handler does, so it answers quickly; `epoch` counts accepted cancellations, so a parked wait and a settlement
 * pass know something changed, and `inFlight` keeps the order from closing while one is being decided.
 */
export class StaffCancellations {
  inFlight = 0;
  epoch = 0;

  constructor(private readonly deps: StaffCancellationDeps) {}

  validate(request: CancelRequest): void {
    const { progress } = this.deps;
    const shipments = this.deps.shipments();
    if (!request?.by || !request?.reason) throw new Error('a cancellation needs who (by) and why (reason)');
    if (TERMINAL_STATUSES.includes(progress.status)) throw new Error(`the order is already ${progress.status}`);
    if (this.deps.closing()) throw new Error('the order is already being closed: every shipment is settled');
    if (progress.status === 'compensating') throw new Error('the order is already being compensated');
    // Parked during its compensation, the order is needs_attention, not compensating: refused all the same (a
    // rejected update leaves no history, so this needs no patch).
    if (this.deps.failing()) throw new Error('the order failed and is being undone: nothing is left to cancel');
    if (progress.state.cancellation || this.inFlight > 0) throw new Error('a cancellation is already in progress');
    if (request.shipmentIds) {
      if (shipments.length === 0) throw new Error('no shipment is allocated yet: cancel the whole order');
      const unknown = request.shipmentIds.filter((id) => !shipments.some((s) => s.id === id));
      if (unknown.length > 0) throw new Error(`the order has no shipment ${unknown.join(', ')}`);
    }
  }

  async handle(request: CancelRequest): Promise<CancelResult> {
    const { progress } = this.deps;
    this.inFlight += 1;
    try {
      const who = { by: request.by, reason: request.reason };
      const shipments = this.deps.shipments();
      if (shipments.length === 0) {
        progress.state.cancellation = who;
        progress.stepDone('cancellation accepted', who);
        this.deps.stopBeforeAllocation();
        return { status: 'compensating', cancelled: [], refused: [] };
      }
      const targets = request.shipmentIds ? shipments.filter((s) => request.shipmentIds!.includes(s.id)) : shipments;
      const cancelled: string[] = [];
      const refused: { shipmentId: string; reason: string }[] = [];
      for (const shipment of targets) {
        const refusal = await this.cancelShipment(shipment, who);
        if (refusal) refused.push({ shipmentId: shipment.id, reason: refusal });
        else cancelled.push(shipment.id);
      }
      if (cancelled.length === 0) {
        throw ApplicationFailure.create({
          type: BUSINESS_FAILURES.cancellationRefused,
          message: `nothing could be cancelled: ${refused.map((r) => `${r.shipmentId}: ${r.reason}`).join('; ')}`,
          details: [refused],
          nonRetryable: true,
        });
      }
      // The whole order is cancelled only if every shipment was: after a partial refusal, later cancels stay open
      // and a later failure is that failure, not a staff cancel (WHOLE_CANCEL_PARTLY_REFUSED).
      if (!request.shipmentIds && (refused.length === 0 || !(this.deps.wholeCancelPartlyRefused || patched(WHOLE_CANCEL_PARTLY_REFUSED)))) progress.state.cancellation = who;
      this.epoch += 1;
      progress.stepDone('cancellation accepted', { ...who, cancelled, refused });
      // Nothing left to ship: the order as a whole is being undone.
      return { status: shipments.some((s) => s.isLive) ? progress.status : 'compensating', cancelled, refused };
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Accepts one shipment's cancellation, or says why not. */
  private async cancelShipment(shipment: Shipment, who: Who): Promise<string | undefined> {
    if (!shipment.isLive) return 'already cancelled';
    if (shipment.status === 'shipped') return 'already shipped';
    shipment.stopRequested = true;
    if (!shipment.isHandedOff) this.deps.interruptStep(shipment);
    return shipment.exclusively(async () => {
      if (!shipment.isLive) return 'already cancelled';
      if (shipment.isHandedOff) {
        const answer = await this.deps.askWarehouse(shipment.id);
        if (answer.unknown) {
          this.askAgainUntilAnswered(shipment, who);
          return `the warehouse did not answer (${answer.reason}): it is asked again until it does, and the shipment is cancelled if it agrees`;
        }
        if (!answer.confirmed) {
          if (answer.reason === 'already_shipped') shipment.apply('shipped_reported');
          return answer.reason === 'already_shipped' ? 'already shipped' : `the warehouse refused: ${answer.reason}`;
        }
        shipment.apply('cancel_confirmed');
      }
      shipment.accept({ kind: 'staff', ...who });
      return undefined;
    });
  }

  /**
   * A question whose answer was lost stays open: the WMS may have cancelled the task. The shipment is neither
   * captured nor recorded while it is open (it counts as a cancellation in flight, so the order cannot close);
   * the warehouse's eventual answer decides: cancelled, or it ships.
   */
  private askAgainUntilAnswered(shipment: Shipment, who: Who): void {
    const { progress } = this.deps;
    this.inFlight += 1;
    progress.stepDone('warehouse did not answer the cancellation: asking again', { shipmentId: shipment.id });
    void shipment
      .exclusively(async () => {
        const answer = await this.deps.askUntilAnswered(shipment.id);
        if (answer.confirmed) {
          if (!shipment.isLive) return;
          shipment.apply('cancel_confirmed');
          shipment.accept({ kind: 'staff', ...who });
          this.epoch += 1;
          progress.stepDone('cancellation accepted', { ...who, cancelled: [shipment.id], refused: [] });
        } else {
          if (answer.reason === 'already_shipped') shipment.apply('shipped_reported');
          progress.stepDone('cancellation refused', { ...who, shipmentId: shipment.id, reason: answer.reason });
        }
      })
      // Only a cancellation of the workflow itself ends the loop early: say so rather than leave it unhandled.
      .catch((err: unknown) => progress.stepDone('stopped asking the warehouse again', { shipmentId: shipment.id, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        this.inFlight -= 1;
      });
  }
}
