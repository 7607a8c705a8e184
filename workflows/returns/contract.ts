import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SagaPolicy } from '../order/contract';

/**
 * The returns context's contract: a return's domain types, its statuses, the messages the API and the WMS callback
 * send a running return, and its ids and step keys. Code outside the returns context imports this file only.
 *
 * A return is its own workflow (`returnWorkflow`, id `return-<returnId>`), a child of nothing: the order's saga has
 * ended (or goes on) without knowing of it, and everything the return needs of the order is read from Postgres.
 */

export {
  RETURN_CONDITIONS,
  applyReceipt,
  capRefund,
  planReturnLines,
  refundPlan,
  type ReceivedLine,
  type ReceivedUnits,
  type ReturnCondition,
  type ReturnLine,
  type ReturnRequestLine,
  type ShipmentRefund,
} from './allocation';
import type { ReceivedLine, ReceivedUnits, ReturnLine } from './allocation';

export const RETURN_WORKFLOW_PREFIX = 'return-';
export const returnWorkflowId = (returnId: string) => `${RETURN_WORKFLOW_PREFIX}${returnId}`;

/** The idempotency key a vendor sees for one step of one return: workflow id + step. */
export const returnStepKey = (returnId: string, step: string) => `${returnWorkflowId(returnId)}:${step}`;

export const returnStepKeys = {
  expect: (returnId: string) => returnStepKey(returnId, 'wms-expect'),
  cancelExpectation: (returnId: string) => returnStepKey(returnId, 'wms-expect-cancel'),
  label: (returnId: string, warehouse: string) => returnStepKey(returnId, `label:${warehouse}`),
  cancelLabel: (returnId: string, warehouse: string) => returnStepKey(returnId, `label-cancel:${warehouse}`),
  refund: (returnId: string, shipmentId: string) => returnStepKey(returnId, `refund:${shipmentId}`),
  restock: (returnId: string, shipmentId: string) => returnStepKey(returnId, `restock:${shipmentId}`),
  erpCredit: (returnId: string, shipmentId: string) => returnStepKey(returnId, `erp-credit:${shipmentId}`),
  notify: (returnId: string, template: string) => returnStepKey(returnId, `notify:${template}`),
};

/**
 * A return's life. `requested`: accepted by the API, its workflow starting; `awaiting_receipt`: the WMS expects it
 * and the customer has a return label; `received`: the warehouse counted it; `refunded`: the money, the stock and
 * the ERP are settled. `expired` (no receipt within RETURN_RECEIPT_WINDOW) and `cancelled` (by the owner or staff
 * before receipt) end it with the return label cancelled and nothing moved; `failed`: the label or the expectation
 * could not be had (the carrier or the WMS stayed down, or refused the address), undone likewise.
 */
export const RETURN_STATUSES = ['requested', 'awaiting_receipt', 'received', 'refunded', 'expired', 'cancelled', 'failed'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const TERMINAL_RETURN_STATUSES: readonly ReturnStatus[] = ['refunded', 'expired', 'cancelled', 'failed'];
export const isTerminalReturnStatus = (status: string) => (TERMINAL_RETURN_STATUSES as readonly string[]).includes(status);
/** A return in one of these holds its units: they count against what may still be returned. */
export const LIVE_OR_DONE_RETURN_STATUSES: readonly ReturnStatus[] = ['requested', 'awaiting_receipt', 'received', 'refunded'];

export interface ReturnInput {
  returnId: string;
  orderId: string;
  customerId: string;
  email: string;
  currency: string;
  reason: string;
  resolution: 'refund';
  lines: ReturnLine[];
  /** Where the customer sends the parcel from (the order's shipping address). */
  shipFrom: { name: string; line1: string; city: string; postalCode: string; country: string };
  /** RETURN_RECEIPT_WINDOW: how long the return waits for the warehouse's receipt before it expires. */
  receiptWindowMs: number;
  policy?: Partial<SagaPolicy>;
}

export interface ReturnReceived {
  returnId: string;
  lines: ReceivedUnits[];
  receivedAt?: string | null;
}

export interface ReturnState {
  returnId: string;
  orderId: string;
  status: ReturnStatus;
  labels: { warehouse: string; labelId: string; trackingNumber: string }[];
  received?: ReceivedLine[];
  refundedCents: number;
  /** Units the warehouse counted beyond what the return expected (never refunded). */
  unexpected?: ReceivedUnits[];
  cancellation?: { by: string; reason: string };
  /** Why a failed return failed. */
  why?: string;
}

export interface CancelReturnRequest {
  by: string;
  reason: string;
}

/** Why the `cancelReturn` update refused (the ApplicationFailure's type). */
export const RETURN_CANCEL_REFUSALS = { received: 'ReturnAlreadyReceived', ended: 'ReturnEnded' } as const;

export const returnStateQuery = defineQuery<ReturnState>('returnState');
/** The warehouse counted the parcel (its signed `return.received` callback, recorded in Postgres first). */
export const returnReceivedSignal = defineSignal<[ReturnReceived]>('returnReceived');
/** The owner or staff cancel the return before it is received: the return label and the WMS expectation are cancelled. */
export const cancelReturnUpdate = defineUpdate<ReturnState, [CancelReturnRequest]>('cancelReturn');
