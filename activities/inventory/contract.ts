/**
 * The inventory context's contract in the activities layer: the allocation policy a worker is given, and the two
 * reservation steps the warehouse handoff runs inside its own transaction (commit the units, check the hold).
 */
export type { AllocationPolicy, Pick, StockLevel } from './allocation';
export { commit, holdIsLive } from './reservations';
