import type { ShipmentPlan } from '../shipment/contract';
import type { OrderInput } from './contract';

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
  authorizeShare: (shipmentId: string, cents: number, currency: string, attempt: number) => `Authorize ${money(cents, currency)}, the share of ${shipmentId} alone (authorization #${attempt})`,
  label: (shipment: ShipmentPlan) => `Create the carrier label for ${shipment.shipmentId} from ${shipment.warehouse}`,
  cancelLabel: (shipmentId: string) => `Compensate: cancel the label of ${shipmentId}`,
  handOff: (shipment: ShipmentPlan, trackingNumber: string) => `Hand ${shipment.shipmentId} (${trackingNumber}) to the ${shipment.warehouse} WMS`,
  cancelWarehouseTask: (shipmentId: string) => `Compensate: cancel the WMS task of ${shipmentId}`,
  capture: (order: OrderInput) => `Capture ${money(order.totalCents, order.currency)}`,
  refund: (order: OrderInput) => `Compensate: refund ${money(order.totalCents, order.currency)}`,
  notify: () => 'E-mail the order confirmation',
  recordInErp: (shipments: number) => `Record the final order (${shipments} shipment(s)) in the ERP`,
  askWarehouseToCancel: (shipments: number) => `Ask the WMS to cancel ${shipments} shipment(s)`,
  captureShipments: (cents: number, currency: string, shipments: number) => `Capture ${money(cents, currency)} for ${shipments} shipment(s); the rest of the authorization is released`,
  refundShipment: (shipmentId: string, cents: number, currency: string) => `Refund ${money(cents, currency)}, the share of ${shipmentId}`,
  askWarehouseToCancelShipment: (shipmentId: string) => `Ask the WMS to cancel ${shipmentId}`,
  releaseShipment: (shipmentId: string) => `Give back the units of ${shipmentId}`,
  lookUpErpRecord: () => 'Ask the ERP what it has recorded for the order',
  creditErp: (shipmentId: string) => `Post an ERP credit reversing ${shipmentId}`,
  suspendHoldExpiry: () => 'Parked: keep the hold until a human decides',
  renewHoldExpiry: (holdTtlMs: number) => `Resumed: the hold lives ${Math.round(holdTtlMs / 60_000)} more min`,
};
