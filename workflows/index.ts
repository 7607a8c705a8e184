export { orderWorkflow, orderWorkflowV2, orderWorkflowV3 } from './order';
export { reconciliationWorkflow } from './inventory';
export { retentionWorkflow } from './retention';
export { returnWorkflow } from './returns';
