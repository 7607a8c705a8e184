/** The order context's workflows (for workflows/index.ts, the worker's workflow bundle). */
export { orderWorkflowV3 } from './orderWorkflow';
// Frozen: orders started before orderWorkflowV3 finish on the code they started with (docs/versioning.md).
export { orderWorkflowV2 } from './v2/orderWorkflow';
export { orderWorkflow } from './v1/orderWorkflow';
