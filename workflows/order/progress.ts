import { condition, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { FailureReason, OrderState, OrderStatus, ResolveRequest } from './contract';

const { recordOrderStatus } = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});

/** What a parked order does around the wait: its hold must not expire while a human decides. */
export interface ParkingHooks {
  beforeWait(): Promise<void>;
  afterWait(): Promise<void>;
}

/**
 * The order as the saga sees it: the state answered by the `orderState` query, mirrored into Postgres
 * (orders + order_events) and into the `OrderStatus` search attribute on every transition. Each transition
 * states the order's whole reason, so a completed order never keeps the reason of an earlier park.
 */
export class OrderProgress {
  readonly state: OrderState;
  private transitions = 0;
  private decisions = 0;
  private lastDecision?: ResolveRequest;
  private waiting = 0;
  private resumeTo?: { status: OrderStatus; reason?: FailureReason };
  parking?: ParkingHooks;

  constructor(orderId: string) {
    this.state = { orderId, status: 'received', steps: [], labels: [], tasks: [], capturedCents: 0, shipments: [] };
  }

  get status(): OrderStatus {
    return this.state.status;
  }

  /** Notes a completed step in the queryable timeline (activities write their own rows to order_events). */
  stepDone(step: string, detail?: Record<string, unknown>): void {
    this.state.steps.push({ step, at: new Date().toISOString(), detail });
  }

  async moveTo(status: OrderStatus, options: { reason?: FailureReason; note?: string; detail?: Record<string, unknown> } = {}) {
    this.state.status = status;
    this.state.reason = options.reason;
    this.transitions += 1;
    this.stepDone(`status:${status}`, { reason: options.reason, note: options.note, ...options.detail });
    upsertSearchAttributes({ OrderStatus: [status] });
    await recordOrderStatus.executeWithOptions({ summary: `Record status ${status}${options.reason ? ` (${options.reason})` : ''} in Postgres` }, [
      {
        orderId: this.state.orderId,
        seq: this.transitions,
        status,
        reason: options.reason ?? null,
        note: options.note ?? null,
        detail: options.detail ?? null,
        dedupeKey: `${workflowInfo().workflowId}:${workflowInfo().runId}:status:${this.transitions}`,
        replacesReason: true,
      },
    ]);
  }

  /**
   * Parks the order for a human and waits for their decision (the durable dead-letter queue), or until
   * `interrupted()` says the wait has become moot (a staff cancellation changed what is left to do). Several
   * steps may wait at once (shipments run in parallel): the order is parked once, and one decision answers them all.
   */
  async park(why: string, reason: FailureReason, interrupted: () => boolean = () => false): Promise<ResolveRequest | 'interrupted'> {
    const seen = this.decisions;
    this.waiting += 1;
    if (this.waiting === 1) {
      this.resumeTo = { status: this.state.status, reason: this.state.reason };
      await this.moveTo('needs_attention', { reason, note: why });
      await this.parking?.beforeWait();
    } else {
      this.stepDone('also waiting for a human', { note: why });
    }
    try {
      await condition(() => this.decisions > seen || interrupted());
    } finally {
      this.waiting -= 1;
    }
    const decision = this.decisions > seen ? this.lastDecision! : 'interrupted';
    if (this.waiting === 0 && this.state.status === 'needs_attention') {
      await this.parking?.afterWait();
      const resume = this.resumeTo!;
      await this.moveTo(resume.status, { reason: resume.reason, note: decision === 'interrupted' ? 'resumed: a cancellation changed what is left to do' : `${decision.action} requested by ${decision.by}` });
    }
    return decision;
  }

  resolve(request: ResolveRequest): void {
    if (this.state.status !== 'needs_attention') return;
    this.decisions += 1;
    this.lastDecision = request;
    this.stepDone('resolved', { action: request.action, by: request.by });
  }
}
