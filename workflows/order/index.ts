/** The order context's workflows (for workflows/index.ts, the worker's workflow bundle). */
export { orderWorkflowV2 } from './orderWorkflow';
// Frozen: orders started before orderWorkflowV2 finish on the code they started with.
export { orderWorkflow } from './v1/orderWorkflow';
