import { condition, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderActivities } from '../../../activities';
import type { FailureReason, OrderState, OrderStatus, ResolveRequest } from '../contract';

const { recordOrderStatus } = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});

/**
 * The order as the saga sees it: the state answered by the `orderState` query, mirrored into Postgres
 * (orders + order_events) and into the `OrderStatus` search attribute on every transition.
 */
export class OrderProgress {
  readonly state: OrderState;
  private transitions = 0;
  private resolution?: ResolveRequest;

  constructor(orderId: string) {
    this.state = { orderId, status: 'received', steps: [], labels: [], tasks: [], capturedCents: 0 };
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
    if (options.reason) this.state.reason = options.reason;
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
      },
    ]);
  }

  /** Parks the order for a human and waits for their decision (the durable dead-letter queue). */
  async park(why: string, reason?: FailureReason): Promise<ResolveRequest> {
    const resumeStatus = this.state.status;
    this.resolution = undefined;
    await this.moveTo('needs_attention', { reason, note: why });
    await condition(() => this.resolution !== undefined);
    const decision = this.resolution!;
    this.resolution = undefined;
    this.stepDone('resolved', { action: decision.action, by: decision.by });
    await this.moveTo(resumeStatus, { note: `${decision.action} requested by ${decision.by}` });
    return decision;
  }

  resolve(request: ResolveRequest): void {
    if (this.state.status === 'needs_attention') this.resolution = request;
  }
}
