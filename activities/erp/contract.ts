/** The system of record's contract (the ERP context): what the order saga reads back of the ERP's record. */

/** What the ERP holds for an order: its record (the shipments it took) and the shipments it has credited. */
export interface ErpRecord {
  erpOrderId: string;
  shipmentIds: string[];
  creditedShipmentIds: string[];
}
