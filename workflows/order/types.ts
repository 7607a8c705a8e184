import type { PricedLine } from './pricing';

/** Domain types shared by the order workflow, its activities and the API (and the one list of terminal statuses). */

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

export interface ShipmentPlan {
  shipmentId: string;
  warehouse: string;
  lines: { sku: string; quantity: number }[];
  /** The shipment's share of the order's money and its units at their prices (absent in holds of the first saga type). */
  amountCents?: number;
  pricedLines?: PricedLine[];
}

/**
 * A shipment's life, extending the statuses the first saga type wrote: `cancelled` is the end of a shipment
 * that was given up (units back, label and WMS task cancelled, its share never kept); `label_cancelled` and
 * `wms_cancelled` are steps on the way there.
 */
export const SHIPMENT_STATUSES = ['allocated', 'labelled', 'handed_off', 'shipped', 'wms_cancelled', 'label_cancelled', 'cancelled'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export interface Hold {
  shipments: ShipmentPlan[];
  expiresAt: string;
}

export interface Authorization {
  authorizationId: string;
  amountCents: number;
  expiresAt: string;
}

export interface Label {
  shipmentId: string;
  labelId: string;
  trackingNumber: string;
}

export interface WmsTask {
  shipmentId: string;
  taskId: string;
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

export interface ShipmentState {
  shipmentId: string;
  warehouse: string;
  status: ShipmentStatus;
  amountCents: number;
  capturedCents: number;
  refundedCents: number;
  trackingNumber?: string;
  taskId?: string;
  /** Why it was cancelled or why its cancellation was refused. */
  note?: string;
}
