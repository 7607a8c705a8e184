import { ApplicationFailure, condition, patched, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import { RESOLVE_REFUSALS, type FailureReason, type OrderState, type OrderStatus, type ParkView, type ResolveRequest, type ResolveResult } from './contract';

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
 * patched(): each park has its own identity (`park-n`) and its own decision: a decision answers the parks waiting
 * and undecided when it is taken, never one begun later, and a second decision on a decided park is refused by
 * the `resolveParkedOrder` update's validator. A park begun while another's resume is carried out (its hooks'
 * `afterWait`, the status written back) waits for that resume to end, then parks the order itself: its own
 * resume point, its own `beforeWait` (the hold timer the resume started is stopped again, the hold's expiry
 * suspended), and a hold timer that fires while a park is open or waiting to begin gives nothing up. Before this,
 * the parks shared one counter and one last decision: a park begun during a resume took `needs_attention` as its
 * resume point, ran under the live hold timer the resume had started, and was given up as `hold_expired` while
 * staff decided; a decision sent during a resume was recorded and acted on by nothing.
 */
export const PARKS_HAVE_IDENTITY = 'parks-have-identity';

/** One step waiting for a human (PARKS_HAVE_IDENTITY). */
interface Park {
  id: string;
  reason: FailureReason;
  why: string;
  decision?: ResolveRequest;
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
  /** Why compensate may not be decided now (a shipment is known shipped), checked by the update's validator. */
  compensateRefusal?: () => string | undefined;
  /** PARKS_HAVE_IDENTITY, decided at the order's first park (undefined: no park yet). */
  private identity?: boolean;
  private parksBegun = 0;
  /** The parks waiting for their decision (or decided, until their wait wakes). */
  private readonly open: Park[] = [];
  /** Parks begun during a resume, waiting for it to end before they park the order. */
  private beginning = 0;
  /** A resume is being carried out: the hooks' afterWait and the status written back. */
  private resuming = false;
  /** What the resume being carried out follows: a decision, or a wait made moot. */
  private resumingWith?: ResolveRequest | 'interrupted';

  /** `parksHaveIdentity`: a saga type born with PARKS_HAVE_IDENTITY (orderWorkflowV3) has it from the start, unpatched. */
  constructor(orderId: string, rules: { parksHaveIdentity?: boolean } = {}) {
    this.state = { orderId, status: 'received', steps: [], labels: [], tasks: [], capturedCents: 0, shipments: [] };
    if (rules.parksHaveIdentity) this.identity = true;
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
   * steps may wait at once (shipments run in parallel): the order is parked once, and one decision answers every
   * park waiting when it is taken. Each park has its own identity and decision (PARKS_HAVE_IDENTITY).
   */
  async park(why: string, reason: FailureReason, interrupted: () => boolean = () => false): Promise<ResolveRequest | 'interrupted'> {
    this.identity ??= patched(PARKS_HAVE_IDENTITY);
    if (!this.identity) return this.parkSharingOneDecision(why, reason, interrupted);
    if (this.resuming) {
      // The order is being resumed from an earlier park: wait until it is, so this park has a true resume point
      // and its own beforeWait; its hold is kept meanwhile (the hold timer ignores a park waiting to begin).
      this.beginning += 1;
      this.stepDone('waiting for the resume to end before parking', { note: why });
      try {
        await condition(() => !this.resuming);
      } finally {
        this.beginning -= 1;
      }
      if (interrupted()) return 'interrupted';
    }
    this.parksBegun += 1;
    const park: Park = { id: `park-${this.parksBegun}`, reason, why };
    this.open.push(park);
    if (this.open.length === 1) {
      this.resumeTo = { status: this.state.status, reason: this.state.reason };
      await this.moveTo('needs_attention', { reason, note: why, detail: { parkId: park.id } });
      await this.parking?.beforeWait();
    } else {
      this.stepDone('also waiting for a human', { note: why, parkId: park.id });
    }
    try {
      await condition(() => park.decision !== undefined || interrupted());
    } finally {
      this.open.splice(this.open.indexOf(park), 1);
    }
    const decision = park.decision ?? 'interrupted';
    if (this.open.length === 0 && this.state.status === 'needs_attention') {
      this.resuming = true;
      this.resumingWith = decision;
      try {
        await this.parking?.afterWait();
        const resume = this.resumeTo!;
        await this.moveTo(resume.status, {
          reason: resume.reason,
          note: decision === 'interrupted' ? 'resumed: a cancellation changed what is left to do' : `${decision.action} requested by ${decision.by}`,
          detail: { parkId: park.id },
        });
      } finally {
        this.resuming = false;
        this.resumingWith = undefined;
      }
    }
    return decision;
  }

  /** While a park is open or waiting to begin, the hold's timer gives nothing up (PARKS_HAVE_IDENTITY). */
  get holdKept(): boolean {
    return this.identity === true && (this.open.length > 0 || this.beginning > 0);
  }

  /**
   * The `resolveParkedOrder` update's validator: a decision is taken only while a park waits undecided, and
   * compensate only while no shipment is known shipped. A refusal leaves no history, so this needs no patch.
   */
  validateDecision(request: ResolveRequest): void {
    if (!request?.by || (request.action !== 'retry' && request.action !== 'compensate')) throw new Error('a decision needs who (by) and an action (retry or compensate)');
    const refuse: (type: string, message: string) => never = (type, message) => {
      throw ApplicationFailure.create({ type, message, nonRetryable: true });
    };
    const undecided = this.identity ? this.open.some((p) => !p.decision) : this.state.status === 'needs_attention' && this.waiting > 0;
    if (!undecided) {
      // Decided, and being carried out: the parks' waits wake, or the order is being resumed.
      const taken = this.identity ? (this.open.find((p) => p.decision)?.decision ?? this.resumingWith) : this.state.status === 'needs_attention' ? this.lastDecision : undefined;
      const then = this.beginning > 0 ? '; a step that failed meanwhile parks the order again once it is' : '';
      if (taken === 'interrupted') refuse(RESOLVE_REFUSALS.notParked, `the order is being resumed (a cancellation changed what is left to do): no step waits for a decision${then}`);
      if (taken) refuse(RESOLVE_REFUSALS.alreadyDecided, `the park was already decided: ${taken.action} by ${taken.by} is being carried out${then}`);
      refuse(RESOLVE_REFUSALS.notParked, `the order is ${this.state.status}: no step waits for a decision`);
    }
    if (request.action === 'compensate') {
      const shipped = this.compensateRefusal?.();
      if (shipped) refuse(RESOLVE_REFUSALS.parcelShipped, shipped);
    }
  }

  /** The `resolveParkedOrder` update (after its validator): the decision answers every park waiting undecided. */
  decide(request: ResolveRequest): ResolveResult {
    const answered = this.identity ? this.open.filter((p) => !p.decision) : [];
    for (const park of answered) park.decision = request;
    const parks: ParkView[] = answered.map((p) => ({ parkId: p.id, reason: p.reason, why: p.why }));
    this.decisions += 1;
    this.lastDecision = request;
    this.stepDone('resolved', { action: request.action, by: request.by, ...(this.identity ? { parkIds: parks.map((p) => p.parkId) } : {}) });
    return { action: request.action, by: request.by, status: this.state.status, parks };
  }

  /**
   * The `resolveParkedOrder` signal, kept for histories already running and for an API of the previous deploy.
   * Histories from before PARKS_HAVE_IDENTITY take it as they always did; later ones only as the update would
   * (a decision the validator refuses is noted and not acted on).
   */
  resolveBySignal(request: ResolveRequest): void {
    if (!this.identity) return this.resolve(request);
    try {
      this.validateDecision(request);
    } catch (err) {
      this.stepDone('resolve signal refused', { action: request?.action, by: request?.by, why: err instanceof Error ? err.message : String(err) });
      return;
    }
    this.decide(request);
  }

  /** The park of histories from before PARKS_HAVE_IDENTITY: one counter and one last decision answer every park. */
  private async parkSharingOneDecision(why: string, reason: FailureReason, interrupted: () => boolean): Promise<ResolveRequest | 'interrupted'> {
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

  /** The decision of histories from before PARKS_HAVE_IDENTITY (the signal, as it was). */
  private resolve(request: ResolveRequest): void {
    if (this.state.status !== 'needs_attention') return;
    this.decisions += 1;
    this.lastDecision = request;
    this.stepDone('resolved', { action: request.action, by: request.by });
  }
}
