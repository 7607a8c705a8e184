import createClient, { type Middleware } from 'openapi-fetch';
import type { components, operations, paths, webhooks } from './schema';
import { TERMINAL_ORDER_STATUSES } from './terminalStatuses';

export type { components, operations, paths, webhooks };
type Schemas = components['schemas'];
export type OrderRequest = Schemas['OrderRequest'];
export type OrderAccepted = Schemas['OrderAccepted'];
export type Order = Schemas['Order'];
export type OrderStatus = Schemas['OrderStatus'];
export type TerminalOrderStatus = Schemas['TerminalOrderStatus'];
export type ReturnRequest = Schemas['ReturnRequest'];
export type ReturnAccepted = Schemas['ReturnAccepted'];
export type Return = Schemas['Return'];
export type ReturnStatus = Schemas['ReturnStatus'];
export type InventoryPage = Schemas['InventoryPage'];
export type InventoryItem = Schemas['InventoryItem'];
export type Problem = Schemas['Problem'];
export type WebhookSubscription = Schemas['WebhookSubscription'];
export type WebhookEventType = Schemas['WebhookEventType'];
/** The body of a pushed event of type `T` (verify it with the `standardwebhooks` library first). */
export type WebhookEvent<T extends keyof webhooks> = NonNullable<webhooks[T]['post']['requestBody']>['content']['application/json'];

/** The statuses an order never leaves (generated from the document's TerminalOrderStatus enum). */
export const FINAL_STATUSES: readonly OrderStatus[] = TERMINAL_ORDER_STATUSES;

export interface HotpathClientOptions {
  /** Where the API is, e.g. https://hotpath.internal. */
  baseUrl: string;
  /** A checkout (or staff) bearer token. */
  token: string;
  /** A fetch of your own (tests pass one that checks each answer against the contract). */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * A typed client of the Hotpath API: every path, parameter, body and answer (problems included) is typed from
 * the OpenAPI document, e.g. `client.POST('/orders', { params: { header: { 'idempotency-key': key } }, body })`.
 */
export function createHotpathClient(options: HotpathClientOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${options.token}`);
      return request;
    },
  };
  client.use(auth);
  return client;
}

export type HotpathClient = ReturnType<typeof createHotpathClient>;
