export { orderWorkflowV2 } from './order/orderWorkflow';
// Frozen: orders started before orderWorkflowV2 finish on the code they started with.
export { orderWorkflow } from './order/v1/orderWorkflow';
export { reconciliationWorkflow } from './inventory/reconciliationWorkflow';
