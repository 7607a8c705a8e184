/** The shipment context's HTTP entry (for api/app.ts): the warehouse's signed callback, POST /webhooks/wms. */
export { wmsWebhookRoutes } from './wms';
