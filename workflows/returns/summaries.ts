import type { ReceivedLine, ReturnInput, ReturnStatus, ShipmentRefund } from './contract';

/**
 * One-line summaries the Temporal Web UI shows on each activity event of a return's workflow, as the order saga's
 * (workflows/order/summaries.ts): identifiers, units and amounts only, never an e-mail or an address.
 */
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
const units = (lines: readonly { quantity: number }[]) => lines.reduce((n, l) => n + l.quantity, 0);

export const returnSummary = {
  status: (status: ReturnStatus) => `Return is ${status}`,
  expect: (input: ReturnInput) => `Tell the WMS to expect ${units(input.lines)} unit(s) of ${new Set(input.lines.map((l) => l.sku)).size} SKU(s) back`,
  cancelExpectation: () => 'Compensate: the WMS no longer expects the return',
  label: (warehouse: string, parcels: readonly { quantity: number }[]) => `Create the return label for ${units(parcels)} unit(s) back to ${warehouse}`,
  cancelLabel: (warehouse: string) => `Compensate: cancel the return label to ${warehouse}`,
  lookUpReceipt: () => 'Ask Postgres whether the warehouse reported the receipt',
  recordReceipt: (lines: readonly ReceivedLine[]) =>
    `Record the receipt: ${lines.reduce((n, l) => n + l.resellable, 0)} resellable, ${lines.reduce((n, l) => n + l.damaged, 0)} damaged, ${lines.reduce((n, l) => n + l.missing, 0)} missing`,
  refund: (shipmentId: string, cents: number, currency: string) => `Refund ${money(cents, currency)} of ${shipmentId}'s capture for the units received`,
  restock: (plan: ShipmentRefund) => `Restock ${units(plan.resellable)} resellable unit(s) at ${plan.warehouse}, write off ${units(plan.damaged)} damaged`,
  credit: (shipmentId: string) => `Post the return's ERP credit for ${shipmentId}`,
  notify: (template: string) => `E-mail the customer (${template})`,
};
