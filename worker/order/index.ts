/** The order context's worker entry (for worker/createWorker.ts): the outbox dispatcher loop. */
export { runDispatcher } from './dispatcher';
