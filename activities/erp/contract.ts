/**
 * The system of record's contract (the ERP context): what the order saga reads back of the ERP's record, and the
 * ERP port a worker is given (the stock reconciler and the stock import use it too).
 */
export type { CreditRequest, ErpLine, ErpPort, ErpRecord, ErpSnapshot, ErpStockRow, RecordOrderRequest } from './port';
