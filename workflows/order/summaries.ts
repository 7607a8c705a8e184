import type { OrderInput, ShipmentPlan } from './types';

/**
 * One-line summaries the Temporal Web UI shows on each activity event, so an engineer reads the saga's
 * story without opening payloads. Identifiers and amounts only: never an e-mail, address or token.
 */
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

export const stepSummary = {
  reserve: (order: OrderInput, holdTtlMs: number) =>
    `Hold ${order.lines.reduce((n, l) => n + l.quantity, 0)} unit(s) of ${order.lines.length} SKU(s) for ${Math.round(holdTtlMs / 60_000)} min`,
  releaseHold: () => 'Compensate: release the hold',
  authorize: (order: OrderInput, attempt: number) => `Authorize ${money(order.totalCents, order.currency)} (authorization #${attempt})`,
  voidAuthorization: (attempt: number) => `Compensate: void authorization #${attempt}`,
  label: (shipment: ShipmentPlan) => `Create the carrier label for ${shipment.shipmentId} from ${shipment.warehouse}`,
  cancelLabel: (shipmentId: string) => `Compensate: cancel the label of ${shipmentId}`,
  handOff: (shipment: ShipmentPlan, trackingNumber: string) => `Hand ${shipment.shipmentId} (${trackingNumber}) to the ${shipment.warehouse} WMS`,
  cancelWarehouseTask: (shipmentId: string) => `Compensate: cancel the WMS task of ${shipmentId}`,
  capture: (order: OrderInput) => `Capture ${money(order.totalCents, order.currency)}`,
  refund: (order: OrderInput) => `Compensate: refund ${money(order.totalCents, order.currency)}`,
  notify: () => 'E-mail the order confirmation',
  recordInErp: (shipments: number) => `Record the final order (${shipments} shipment(s)) in the ERP`,
  askWarehouseToCancel: (shipments: number) => `Ask the WMS to cancel ${shipments} shipment(s)`,
};
