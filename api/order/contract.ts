/** The order context's contract in api/: the staff search's query schema (the OpenAPI document describes it). */
export { searchQuerySchema } from './searchOrders';
