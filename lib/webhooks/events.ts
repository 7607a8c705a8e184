/** The events Hotpath pushes to webhook subscribers, and which order statuses they report. */

export const ORDER_EVENT_TYPES = [
  'order.received',
  'order.processing',
  'order.handed_off',
  'order.completed',
  'order.cancelled',
  'order.rejected',
  'order.failed',
  'order.needs_attention',
] as const;

export const SHIPMENT_EVENT_TYPES = ['shipment.labelled', 'shipment.handed_off', 'shipment.shipped', 'shipment.cancelled'] as const;

/** A return's life (the returns context): requested by the API, the rest by the return's workflow. */
export const RETURN_EVENT_TYPES = ['return.requested', 'return.received', 'return.refunded', 'return.expired', 'return.cancelled'] as const;

export const WEBHOOK_EVENT_TYPES = [...ORDER_EVENT_TYPES, ...SHIPMENT_EVENT_TYPES, ...RETURN_EVENT_TYPES] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * The order status behind each order event. `labelled`, `captured` and `compensating` are steps inside the
 * saga with no event of their own: the shipment events report the labels, and a compensation ends in
 * `order.cancelled` or `order.failed` (or `order.needs_attention`). `received` is written by the API when it
 * accepts the order, so only that write reports it.
 */
const EVENT_OF_STATUS: Record<string, WebhookEventType | undefined> = {
  processing: 'order.processing',
  handed_off: 'order.handed_off',
  completed: 'order.completed',
  cancelled: 'order.cancelled',
  rejected: 'order.rejected',
  failed: 'order.failed',
  needs_attention: 'order.needs_attention',
};

export const orderEventFor = (status: string): WebhookEventType | undefined => EVENT_OF_STATUS[status];

export interface WebhookPayload {
  type: WebhookEventType;
  /** When the change happened (ISO 8601). */
  timestamp: string;
  data: {
    orderId: string;
    /** Order events: the order's status; shipment events: the shipment's; return events: the return's. */
    status: string;
    reason: string | null;
    /** Per order, from 1, strictly increasing and gapless over the order's events. */
    sequence: number;
    shipmentId?: string;
    /** Return events: the return. */
    returnId?: string;
  };
}
