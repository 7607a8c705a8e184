/** Workflow ids and idempotency keys. Deterministic, so retries and replays address the same thing. */

export const ORDER_WORKFLOW_PREFIX = 'order-';

export function orderWorkflowId(orderId: string): string {
  return `${ORDER_WORKFLOW_PREFIX}${orderId}`;
}

/** The idempotency key a vendor sees for one step of one order: workflow id + step. */
export function stepKey(orderId: string, step: string): string {
  return `${orderWorkflowId(orderId)}:${step}`;
}

export const stepKeys = {
  authorize: (orderId: string) => stepKey(orderId, 'authorize'),
  voidAuthorization: (orderId: string) => stepKey(orderId, 'void'),
  capture: (orderId: string) => stepKey(orderId, 'capture'),
  refund: (orderId: string) => stepKey(orderId, 'refund'),
  label: (orderId: string, shipmentId: string) => stepKey(orderId, `label:${shipmentId}`),
  cancelLabel: (orderId: string, shipmentId: string) => stepKey(orderId, `label-cancel:${shipmentId}`),
  wmsTask: (orderId: string, shipmentId: string) => stepKey(orderId, `wms:${shipmentId}`),
  cancelWmsTask: (orderId: string, shipmentId: string) => stepKey(orderId, `wms-cancel:${shipmentId}`),
  notify: (orderId: string, template: string) => stepKey(orderId, `notify:${template}`),
  erp: (orderId: string) => stepKey(orderId, 'erp'),
  erpCredit: (orderId: string, shipmentId: string) => stepKey(orderId, `erp-credit:${shipmentId}`),
};

export function shipmentId(orderId: string, index: number): string {
  return `${orderId}-s${index + 1}`;
}
