/** The order context's HTTP entry (for api/app.ts and api/server.ts): its routes and the saga launcher. */
export { orderRoutes } from './routes';
export { createSagaLauncher, type SagaLauncher } from './sagaLauncher';
export type { PlaceOrderDeps } from './placeOrder';
export { serveOrderStateMetrics } from './stateMetrics';
