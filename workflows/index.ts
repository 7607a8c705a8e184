export { orderWorkflow } from './order/orderWorkflow';
export { reconciliationWorkflow } from './reconciliation/reconciliationWorkflow';
