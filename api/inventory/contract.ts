/** The inventory context's contract in api/: the inventory list's query schema (the OpenAPI document describes it). */
export { inventoryQuerySchema } from './listInventory';
