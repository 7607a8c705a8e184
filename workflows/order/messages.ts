import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OrderState } from './types';

export interface CancelRequest {
  by: string;
  reason: string;
}

export interface CancelResult {
  status: OrderState['status'];
}

export interface ResolveRequest {
  action: 'retry' | 'compensate';
  by: string;
}

export const orderStateQuery = defineQuery<OrderState>('orderState');
/** Staff cancellation: accepted, or rejected with the reason it cannot be cancelled any more. */
export const cancelOrderUpdate = defineUpdate<CancelResult, [CancelRequest]>('cancelOrder');
/** A human's decision on a parked order: retry the step that keeps failing, or give up and compensate. */
export const resolveParkedOrderSignal = defineSignal<[ResolveRequest]>('resolveParkedOrder');
