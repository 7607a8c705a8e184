/**
 * The warehouse (WMS) port: what the saga needs from a warehouse management system, in the saga's words. The
 * warehouse activities call this interface; an adapter (./adapters/simWms.ts) turns it into one WMS's API.
 * WMS_PROVIDER picks it (worker/vendors.ts). Adapters throw VendorUnavailable (retry) or VendorRefused (no retry
 * helps), from activities/vendorErrors.ts. A repeat with the same key must answer the first task, not make a second.
 */
import type { ShipmentPlan } from '../../workflows/shipment/contract';

export interface TaskRequest {
  /** stepKeys.wmsTask(orderId, shipmentId). */
  key: string;
  orderId: string;
  shipmentId: string;
  warehouse: string;
  trackingNumber: string;
  lines: ShipmentPlan['lines'];
}

export interface CancelTaskRequest {
  /** The key of this question (a new one after each recorded refusal: a refusal answers for its moment). */
  key: string;
  orderId: string;
  /** The key the task was created under. */
  taskKey: string;
}

export type CancelTaskOutcome =
  /** The warehouse let go of the task. */
  | { outcome: 'cancelled' }
  /** Nothing to let go of (no task under the key, or cancelled already): the warehouse holds nothing of it. */
  | { outcome: 'nothing_to_cancel'; status: string }
  /** The warehouse refuses for now (picking started, already shipped): an answer, not a failure. */
  | { outcome: 'refused'; reason: string };

/** A return the warehouse is to expect (returns context): its units and the warehouse each goes back to. */
export interface ExpectReturnRequest {
  /** returnStepKeys.expect(returnId). */
  key: string;
  orderId: string;
  returnId: string;
  lines: { sku: string; quantity: number; warehouse: string }[];
}

export interface CancelExpectedReturnRequest {
  /** returnStepKeys.cancelExpectation(returnId). */
  key: string;
  orderId: string;
  /** The key the expectation was made under. */
  expectKey: string;
}

export type CancelExpectedReturnOutcome = { outcome: 'cancelled' } | { outcome: 'nothing_to_cancel'; status: string } | { outcome: 'refused'; reason: string };

export interface WmsPort {
  createTask(request: TaskRequest): Promise<{ taskId: string }>;
  cancelTask(request: CancelTaskRequest): Promise<CancelTaskOutcome>;
  expectReturn(request: ExpectReturnRequest): Promise<{ expectationId: string }>;
  cancelExpectedReturn(request: CancelExpectedReturnRequest): Promise<CancelExpectedReturnOutcome>;
}
