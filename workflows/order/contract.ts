import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Hold } from '../inventory/contract';
import type { Authorization } from '../payment/contract';
import type { Label, ShipmentState, WmsTask } from '../shipment/contract';

/**
 * The order context's contract: the domain types the order workflow, its activities and the API share, the one
 * list of terminal statuses, the messages the API sends a running order, and the ids and step keys. Code outside
 * the order context imports this file only, never the files beside it.
 */

export { ORDER_WORKFLOW_PREFIX, orderWorkflowId, shipmentId, stepKey, stepKeys } from './ids';
export { priceShipments } from './pricing';
// A shipment's priced lines are the shipment context's type; the order's pricing produces them.
export type { PricedLine } from '../shipment/contract';

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Address {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface OrderInput {
  orderId: string;
  customerId: string;
  email: string;
  currency: string;
  totalCents: number;
  lines: OrderLine[];
  shippingAddress: Address;
  paymentToken: string;
  /** Overrides of retry and timeout settings, e.g. to make tests fast. */
  policy?: Partial<SagaPolicy>;
}

/** Every status an order moves through, in saga order; the type below is derived from it. */
export const ORDER_STATUSES = [
  'received',
  'processing',
  'labelled',
  'handed_off',
  'captured',
  'completed',
  'compensating',
  'needs_attention',
  'rejected',
  'failed',
  'cancelled',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['completed', 'rejected', 'failed', 'cancelled'];

export function isTerminalStatus(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export type FailureReason =
  | 'out_of_stock'
  | 'payment_declined'
  | 'invalid_address'
  | 'vendor_unavailable'
  | 'authorization_expired'
  | 'cancelled_by_staff'
  | 'hold_expired'
  | 'compensation_failed'
  | 'payment_alert';

export interface SagaPolicy {
  /** First retry delay; later ones grow by `backoffCoefficient` up to `maximumIntervalMs` (1s → 4.5s → 20s → 60s). */
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** Attempts of a forward step before the saga gives up on it. */
  maximumAttempts: number;
  /** Attempts of a compensation before the order is parked for a human. */
  compensationAttempts: number;
  /** Start-to-close timeout of one vendor call. */
  stepTimeoutMs: number;
  /** How long the inventory hold lives unless the order progresses. */
  holdTtlMs: number;
  /** When a label or WMS step exhausts its retries: compensate and fail, or park for a human. */
  onStepExhausted: 'fail' | 'park';
  /**
   * How long before the authorization's `expiresAt` the saga captures what is handed off, if it has not captured
   * yet (a park can outlast an authorization); the shipments still waiting are then paid by their own
   * authorizations. At most a quarter of the authorization's lifetime is taken, so a short one still gets a window.
   */
  authorizationMarginMs: number;
}

export interface StepRecord {
  step: string;
  at: string;
  detail?: Record<string, unknown>;
}

export interface OrderState {
  orderId: string;
  status: OrderStatus;
  reason?: FailureReason;
  steps: StepRecord[];
  hold?: Hold;
  authorization?: Authorization;
  labels: Label[];
  tasks: WmsTask[];
  capturedCents: number;
  cancellation?: { by: string; reason: string };
  /** Per-shipment state and money (orderWorkflowV2). */
  shipments?: ShipmentState[];
}

/** Failures that retrying cannot fix: the saga compensates at once. */
export const BUSINESS_FAILURES = {
  outOfStock: 'OutOfStock',
  paymentDeclined: 'PaymentDeclined',
  invalidAddress: 'InvalidAddress',
  authorizationExpired: 'AuthorizationExpired',
  cancellationRefused: 'CancellationRefused',
  holdExpired: 'HoldExpired',
} as const;

// ── Messages the API sends a running order ───────

export interface CancelRequest {
  by: string;
  reason: string;
  /** Cancel only these shipments (orderWorkflowV2); the whole order when absent. */
  shipmentIds?: string[];
}

export interface CancelResult {
  status: OrderState['status'];
  /** Shipments whose cancellation was accepted, and those the warehouse (or their state) refused, with why. */
  cancelled?: string[];
  refused?: { shipmentId: string; reason: string }[];
}

export interface ResolveRequest {
  action: 'retry' | 'compensate';
  by: string;
}

/** One step that waited for a human: its park's identity, the order's reason while it waited, and why. */
export interface ParkView {
  parkId: string;
  reason: FailureReason;
  why: string;
}

/** The decision taken, and the parks it answered (every park waiting undecided when it was taken). */
export interface ResolveResult {
  action: ResolveRequest['action'];
  by: string;
  /** The order's status when the decision was taken (it resumes from there). */
  status: OrderStatus;
  parks: ParkView[];
}

/** Why the `resolveParkedOrder` update refused a decision (the ApplicationFailure's type). */
export const RESOLVE_REFUSALS = {
  /** No park waits: the order is not parked, or is being resumed after a cancellation made its wait moot. */
  notParked: 'NotParked',
  /** Every park waiting was decided already, and that decision is being carried out. */
  alreadyDecided: 'ParkAlreadyDecided',
  /** Compensate would give up a shipment the saga knows has shipped. */
  parcelShipped: 'ParcelShipped',
} as const;

/**
 * The workflow type new orders start (workflows/order/orderWorkflow.ts). Orders of the older types (orderWorkflow,
 * orderWorkflowV2) finish on their frozen code. Deploy workers before the API: a worker that does not know this
 * type fails its workflow tasks until one that does picks them up.
 */
export const ORDER_WORKFLOW_TYPE = 'orderWorkflowV3';

export const orderStateQuery = defineQuery<OrderState>('orderState');
/** Staff cancellation: accepted, or rejected with the reason it cannot be cancelled any more. */
export const cancelOrderUpdate = defineUpdate<CancelResult, [CancelRequest]>('cancelOrder');
/**
 * A human's decision on a parked order: retry the step that keeps failing, or give up and compensate. An update
 * (orderWorkflowV2): its validator refuses it unless a park waits undecided (RESOLVE_REFUSALS), and the answer
 * names the parks it decided.
 */
export const resolveParkedOrderUpdate = defineUpdate<ResolveResult, [ResolveRequest]>('resolveParkedOrder');
/** The same decision as a signal: for the frozen `orderWorkflow`, which has no update handler, and histories already running. */
export const resolveParkedOrderSignal = defineSignal<[ResolveRequest]>('resolveParkedOrder');

/** The WMS reported that a shipment's parcel left the building (its signed callback on POST /webhooks/wms). */
export interface ShipmentShipped {
  shipmentId: string;
  taskId: string;
  shippedAt?: string | null;
}
/**
 * Passed on to the live saga by the API once the callback is recorded: a shipped parcel is never given up, so a
 * staff cancel is refused at once and a failing order keeps it (and pays for it) without asking the WMS first.
 * Best effort: the saga still asks the warehouse before it gives any handed-off shipment up.
 */
export const shipmentShippedSignal = defineSignal<[ShipmentShipped]>('shipmentShipped');

/** Something the payment gateway reported that the order's books do not explain (a dispute, a refund or cancel made outside Hotpath). */
export interface PaymentAlert {
  kind: 'dispute' | 'books_mismatch';
  /** The Stripe event that raised it (evt_…), its type, and what it said against what the books say. */
  eventId: string;
  eventType: string;
  detail: string;
}

/**
 * Sent by POST /webhooks/stripe to a live order. orderWorkflowV2 parks the order (needs_attention, reason
 * payment_alert) before more money moves; staff resolve it: retry goes on, compensate gives the order up.
 */
export const paymentAlertSignal = defineSignal<[PaymentAlert]>('paymentAlert');
