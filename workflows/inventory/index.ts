/** The inventory context's workflows (for workflows/index.ts): the scheduled stock reconciliation. */
export { reconciliationWorkflow } from './reconciliationWorkflow';
