import { ActivityCancellationType, CancellationScope, proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { OrderActivities } from '../../../activities';
import type { ErpRecord } from '../../../activities/erp/contract';
import type { Authorization } from '../../payment/contract';
import { Saga } from '../../saga';
import { Compensations } from '../compensations';
import type { OrderInput, PaymentAlert, SagaPolicy } from '../contract';
import { briefAskOptions, compensationOptions, resolvePolicy, stepOptions } from '../policy';
import { OrderProgress } from '../progress';
import type { Shipment } from '../shipment';
import type { StaffCancellations } from '../staffCancellation';
import type { Outcome, SettlementFacts, ShipmentFacts } from './decisions';

/** The money side of the order: its authorization, what was captured, and the deadline's bookkeeping. */
export interface OrderMoney {
  authorization?: Authorization;
  /** Captured once, for the shipments that ship (or, early, for those handed off before the authorization lapses). */
  captured: boolean;
  /** A capture is in flight (the deadline's early capture): settlement waits for it. */
  capturing: boolean;
  /** The order's authorization was captured early; every other shipment pays on an authorization of its own. */
  capturedEarly: boolean;
  /** Authorization #1 lapsed and was replaced by #2; it is voided at settlement. */
  lapsedAuthorization: boolean;
  /** Staff gave up the capture of parcels the warehouse kept after a failure. */
  captureGivenUp: boolean;
  /** The timer that captures before the authorization lapses. */
  deadline?: CancellationScope;
}

/**
 * One order's saga, its state on one struct: the vendor proxies, the timeline (progress), the shipments, the
 * money, what the ERP holds, the staff's cancellations and how the saga is ending. The steps are functions over it
 * (one file each: reservation, fulfilment, capture, authorization deadline, settlement, ending), so the workflow
 * body in ../orderWorkflow.ts reads as the narrative of docs/saga.md.
 */
export class OrderSaga {
  readonly policy: SagaPolicy;
  /** Forward steps wait for a cancelled activity to settle, so compensation never races a step in flight. */
  readonly act: ActivityInterfaceFor<OrderActivities>;
  readonly undo: ActivityInterfaceFor<OrderActivities>;
  /** A question a person is waiting on (a staff cancel asking the warehouse): asked briefly, then unanswered. */
  readonly ask: ActivityInterfaceFor<OrderActivities>;
  /** Hotpath's own bookkeeping (Postgres only): retried until it succeeds. */
  readonly books: ActivityInterfaceFor<OrderActivities>;
  readonly progress: OrderProgress;
  /** The order's own steps: the hold, the authorization, the capture. */
  readonly ownSteps = new Saga();
  /** Reservation, labels and handoffs: a staff cancel before allocation cancels this scope. */
  readonly fulfilment = new CancellationScope();
  readonly compensations: Compensations;
  cancellations!: StaffCancellations;
  shipments: Shipment[] = [];
  readonly money: OrderMoney = { captured: false, capturing: false, capturedEarly: false, lapsedAuthorization: false, captureGivenUp: false };
  /** What the ERP holds: known (null = nothing) or, after an attempt whose answer was lost, to be asked. */
  readonly erp: { known: boolean; record: ErpRecord | null } = { known: true, record: null };
  /** Shipments the WMS reported shipped, applied once the saga knows them handed off. */
  readonly shippedByWarehouse = new Set<string>();
  /** Payment alerts (a dispute, money moved outside Hotpath), each heeded by a human before more money moves. */
  readonly paymentAlerts: PaymentAlert[] = [];
  heedingAlerts = false;
  notified = false;
  /** Every shipment is settled and the outcome decided: no cancel is accepted any more. */
  closing = false;
  /** The saga failed after a handoff and the warehouse kept some parcels: they are paid for, the rest undone. */
  keptAfterFailure = false;
  holdTimer?: CancellationScope;
  /** The saga's failure, once it failed (set before the handlers are, so an update that came with the start is validated). */
  failure?: Outcome;
  failedWith?: unknown;

  constructor(readonly order: OrderInput) {
    this.policy = resolvePolicy(order.policy);
    this.act = proxyActivities<OrderActivities>({ ...stepOptions(this.policy), cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED });
    this.undo = proxyActivities<OrderActivities>(compensationOptions(this.policy));
    this.ask = proxyActivities<OrderActivities>(briefAskOptions(this.policy));
    this.books = proxyActivities<OrderActivities>({
      startToCloseTimeout: this.policy.stepTimeoutMs,
      retry: { initialInterval: this.policy.initialIntervalMs, maximumInterval: this.policy.maximumIntervalMs },
    });
    this.progress = new OrderProgress(order.orderId, { parksHaveIdentity: true });
    this.compensations = new Compensations(this.progress);
  }

  get orderId(): string {
    return this.order.orderId;
  }

  get live(): Shipment[] {
    return this.shipments.filter((s) => s.isLive);
  }

  get anyLive(): boolean {
    return this.shipments.some((s) => s.isLive);
  }

  /** The shipments as the pure decisions see them. */
  facts(): ShipmentFacts[] {
    return this.shipments.map((s) => ({ id: s.id, live: s.isLive, givenUpBecause: s.cancellation?.kind, capturedCents: s.state.capturedCents, refundedCents: s.state.refundedCents }));
  }

  settlementFacts(): SettlementFacts {
    return { shipments: this.facts(), erpRecord: this.erp.record, captureGivenUp: this.money.captureGivenUp, lapsedAuthorization: this.money.lapsedAuthorization };
  }

  shipment(id: string): Shipment {
    return this.shipments.find((s) => s.id === id)!;
  }
}
