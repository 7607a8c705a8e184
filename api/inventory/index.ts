/** The inventory context's HTTP entry (for api/app.ts): GET /inventory. */
export { inventoryRoutes } from './routes';
