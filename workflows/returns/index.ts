/** The returns context's workflows (for workflows/index.ts, the worker's workflow bundle). */
export { returnWorkflow } from './returnWorkflow';
