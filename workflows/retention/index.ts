/** The retention context's workflows (for workflows/index.ts): the scheduled pruning of what was kept long enough. */
export { retentionWorkflow } from './retentionWorkflow';
