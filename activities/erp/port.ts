/**
 * The ERP port: what the saga and the stock reconciler need from the system of record, in their words. The ERP
 * activities, the reconciler and the stock import call this interface; an adapter (./adapters/simErp.ts) turns it
 * into one ERP's API. ERP_PROVIDER picks it (worker/vendors.ts). Adapters throw VendorUnavailable (retry) or
 * VendorRefused (no retry helps), from activities/vendorErrors.ts.
 *
 * The ERP records an order once: a second recording (same key, or same order under another key) answers the first
 * record's id, and a second credit of a shipment the first credit's id.
 */

/** What the ERP holds for an order: its record (the shipments it took) and the shipments it has credited. */
export interface ErpRecord {
  erpOrderId: string;
  shipmentIds: string[];
  creditedShipmentIds: string[];
}

export interface ErpLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface RecordOrderRequest {
  /** stepKeys.erp(orderId). */
  key: string;
  orderId: string;
  customerId: string;
  currency: string;
  totalCents: number;
  lines: ErpLine[];
  shipments: { shipmentId: string; warehouse: string; trackingNumber: string | null; lines: { sku: string; quantity: number }[] }[];
}

export interface CreditRequest {
  /** stepKeys.erpCredit(orderId, shipmentId), or returnStepKeys.erpCredit(returnId, shipmentId) for a return. */
  key: string;
  orderId: string;
  shipmentId: string;
  /** A return's credit: one per return and shipment (a cancellation's credit has none: one per shipment). */
  returnId?: string;
  warehouse: string;
  reason: 'cancelled' | 'refunded' | 'returned';
  amountCents: number;
  /** A line's own `restock` wins over the credit's (a return restocks resellable units, not damaged ones). */
  lines: (ErpLine & { restock?: boolean })[];
  /** Put the units back on hand in the ERP's books (a cancelled parcel never left). */
  restock: boolean;
}

export interface ErpStockRow {
  sku: string;
  warehouse: string;
  onHand: number;
}

/** The ERP's stock and the orders behind it, as of one instant. */
export interface ErpSnapshot {
  stock: ErpStockRow[];
  /** Net units (recorded minus restocking credits) of each order the ERP recorded since the watermark. */
  orders: { reference: string; net: { sku: string; warehouse: string; quantity: number }[] }[];
  /** The return credits (one per return and shipment) the ERP recorded since the same watermark. */
  returnCredits?: { reference: string; returnId: string; shipmentId: string }[];
}

export interface ErpPort {
  /** Records the order ('already_recorded': it was, and this is that record's id). */
  recordOrder(request: RecordOrderRequest): Promise<{ outcome: 'recorded' | 'already_recorded'; erpOrderId: string }>;
  /** What the ERP holds for the order: its record and the shipments credited since; null when it has none. */
  findRecord(orderId: string): Promise<ErpRecord | null>;
  creditShipment(request: CreditRequest): Promise<{ outcome: 'credited' | 'already_credited'; creditId: string }>;
  /** The ERP's stock (of one SKU, or all). */
  stock(sku?: string): Promise<ErpStockRow[]>;
  /** The stock with the net units of every order recorded since `recordedSince`, in one answer. */
  stockSnapshot(recordedSince: Date): Promise<ErpSnapshot>;
}
