import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { reconcileSchema } from '../admin/routes';
import { wirePayloads } from '../codec/routes';
import { signInSchema } from '../console/routes';
import { inventoryQuerySchema } from '../inventory/contract';
import { searchQuerySchema } from '../order/contract';
import { cancelSchema, createOrderSchema, idempotencyKeySchema, resolveSchema } from '../validation';
import { unexpectedFailure } from '../problem';
import { returnReceivedEvent, shippedEvent } from '../shipment/contract';
import { cancelReturnSchema, createReturnSchema } from '../returns/contract';
import {
  cancelAcceptedSchema,
  codecPayloadsSchema,
  consoleSessionSchema,
  healthSchema,
  inventoryItemSchema,
  inventoryPageSchema,
  orderPlacedSchema,
  orderSearchSchema,
  orderViewSchema,
  problemSchema,
  reconciliationReportSchema,
  reconciliationRunSchema,
  reconciliationRunsSchema,
  resolveAcceptedSchema,
  returnAcceptedSchema,
  returnCancelledSchema,
  returnViewSchema,
  webhookReceivedSchema,
  redeliveryAcceptedSchema,
  webhookDeliveryLogSchema,
  webhookSubscriptionListSchema,
  webhookSubscriptionWithSecretSchema,
  terminalOrderStatusSchema,
} from './schemas';
import { createSubscriptionSchema, deliveryLogQuerySchema } from '../webhooks/contract';
import { webhookPayloads } from './webhookPayloads';

const problem = (description: string, example: { title: string; status: number; detail: string } & Record<string, unknown>) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema, example: { type: 'about:blank', ...example } } },
});

/** Every problem+json answer, once; operations name the ones they can give. */
const problems = {
  400: problem('Invalid input: a field, header or query parameter is named in `detail` (ill-formed Unicode, NUL, too long, too deep, duplicate keys, unsafe numbers, missing or repeated headers).', {
    title: 'Invalid input',
    status: 400,
    detail: 'shippingAddress.name: holds ill-formed Unicode (a lone surrogate)',
    issues: [{ field: 'shippingAddress.name', message: 'holds ill-formed Unicode (a lone surrogate)' }],
  }),
  401: problem('No credential, or a wrong one.', { title: 'Unauthorized', status: 401, detail: 'the bearer token is not valid' }),
  403: problem('The credential may not do this, or a cookie-authenticated change lacks X-Hotpath-Console: 1.', { title: 'Forbidden', status: 403, detail: 'this action needs the staff role' }),
  404: problem('Unknown, or not yours: a checkout credential sees only its own orders.', { title: 'Order not found', status: 404, detail: 'no order ord_3f5a0c1d9e8b7a6f5e4d3c2b' }),
  409: problem('A conflict with the current state.', { title: 'Cannot cancel', status: 409, detail: 'the order is already completed' }),
  413: problem('The body is larger than accepted (64 kB; 8 MB for the codec, read only once the caller is known to be staff; 2 kB for sign-in).', { title: 'Payload too large', status: 413, detail: 'the body is larger than 65536 bytes' }),
  415: problem('The body is not UTF-8 JSON.', { title: 'Unsupported media type', status: 415, detail: 'content-type: send the body as application/json' }),
  422: problem('Valid, yet impossible: an unknown SKU.', { title: 'Unknown SKU', status: 422, detail: 'lines: unknown SKU NO-SUCH-SKU', unknownSkus: ['NO-SUCH-SKU'] }),
  429: problem('Over a budget (`Retry-After` says when to try again; `RateLimit` and `RateLimit-Policy` name the budget): the general one per principal (per address when anonymous), or the one for wrong credentials per address, which never refuses a right credential.', {
    title: 'Too many requests',
    status: 429,
    detail: 'more than 1200 requests a minute; slow down',
  }),
} as const;

/** A cancel or a decision the saga did not answer in time: nothing was confirmed (Retry-After: 5). */
const sagaSilent = problem("The order's saga did not answer in time (its worker or Temporal is down): nothing was confirmed; read the order and send the request again if it still applies.", {
  title: 'Saga did not answer',
  status: 503,
  detail: "the order's saga did not answer within 10 s (its worker or Temporal may be down): the decision was not confirmed; read the order, and send it again if it still applies",
});

type ProblemStatus = keyof typeof problems;
const errors = (...statuses: ProblemStatus[]): ZodOpenApiResponsesObject => Object.fromEntries(statuses.map((s) => [String(s), problems[s]]));
const json = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });

type Security = Record<string, string[]>[];
const bearer: Security = [{ bearerAuth: [] }];
/** A bearer token, or the console's session cookie (staff). */
const staffOnly: Security = [{ bearerAuth: [] }, { consoleSession: [] }];
const consoleHeader = z.object({
  'x-hotpath-console': z
    .literal('1')
    .optional()
    .meta({ description: 'Required when the request is authenticated by the console cookie alone (CSRF defence).' }),
});
const orderIdParam = z.object({ id: z.string().meta({ description: 'An order id (`ord_…`).', example: 'ord_3f5a0c1d9e8b7a6f5e4d3c2b' }) });

const subscriptionIdParam = z.object({ id: z.string().meta({ description: 'A webhook subscription id (`whsub_…`).', example: 'whsub_8Jk2mQz4Xw1bNc7d' }) });

const codecRequest = wirePayloads.meta({ id: 'CodecRequest' });
const signInRequest = signInSchema.meta({ id: 'SignInRequest', example: { token: 'dev-staff-token' } });

const unexpected = problem(
  'An unexpected failure on our side (500), never caused by input. Whether the request took effect is not known: read before sending a change again. A POST /orders may be sent again with the same Idempotency-Key (its detail says so).',
  { title: 'Internal error', status: 500, detail: unexpectedFailure(false).detail },
);

/** Every JSON operation also describes the last-resort 500 as its `default`. */
const op = (o: ZodOpenApiOperationObject): ZodOpenApiOperationObject => ({ ...o, responses: { ...o.responses, default: unexpected } });

/**
 * Hotpath's OpenAPI 3.1 document, generated from the zod schemas the routes validate with and the response
 * schemas in ./schemas. Served at GET /openapi.json; the typed client (clients/ts) is generated from it.
 */
export function openApiDocument() {
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Hotpath',
        version: '1',
        description:
          'Order fulfilment: a checkout service places orders (answered in milliseconds) and follows them while a durable saga reserves stock, authorizes payment, labels, hands off and captures. Errors are application/problem+json naming the field. Limits: a general per-principal budget (RateLimit headers) and a strict budget of failed credentials per address.',
      },
      tags: [
        { name: 'Orders' },
        { name: 'Returns' },
        { name: 'Inventory' },
        { name: 'Staff' },
        { name: 'Console' },
        { name: 'Webhooks' },
        { name: 'Webhook subscriptions' },
        { name: 'Operations' },
      ],
      components: {
        // Referenced by no operation: the console and clients/ts read the final statuses from it.
        schemas: { TerminalOrderStatus: terminalOrderStatusSchema },
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A checkout or staff token: `Authorization: Bearer <token>`.' },
          consoleSession: { type: 'apiKey', in: 'cookie', name: 'hotpath_session', description: 'The support console session (POST /console/session).' },
          wmsSignature: { type: 'apiKey', in: 'header', name: 'Hotpath-Signature', description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` under WMS_WEBHOOK_SECRET.' },
          stripeSignature: { type: 'apiKey', in: 'header', name: 'Stripe-Signature', description: "Stripe's webhook signature, verified with the SDK's constructEvent under STRIPE_WEBHOOK_SECRET." },
        },
      },
      paths: {
        '/orders': {
          post: op({
            tags: ['Orders'],
            operationId: 'placeOrder',
            summary: 'Place an order',
            description:
              'Idempotent by Idempotency-Key, scoped to the calling checkout credential: the same key and body answer the same order and start nothing new; the same key with another body is a 409, and so is a key whose order ended more than IDEMPOTENCY_RETENTION (24 h) ago, whatever the body. Two credentials with one key place two orders.',
            security: bearer,
            requestParams: {
              header: z.object({
                'idempotency-key': idempotencyKeySchema.meta({ description: 'One per order attempt, 1–200 visible ASCII characters; send it once.', example: 'checkout-7f3a9c' }),
              }),
            },
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: createOrderSchema.meta({
                    id: 'OrderRequest',
                    example: {
                      customerId: 'cust-1',
                      email: 'ada@example.com',
                      currency: 'USD',
                      lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceCents: 2500 }],
                      shippingAddress: { name: 'Ada Lovelace', line1: '12 Analytical St', city: 'Boston', postalCode: '02110', country: 'US' },
                      paymentToken: 'tok_visa',
                    },
                  }),
                },
              },
            },
            responses: {
              '202': { ...json('Accepted (or the same order again for a repeated key); follow it at links.self.', orderPlacedSchema), headers: z.object({ location: z.string() }) },
              ...errors(400, 401, 403, 413, 415, 422, 429),
              '409': problem(
                'The Idempotency-Key was used with another body (`Idempotency-Key reused`), or it has expired (`Idempotency-Key expired`): the order it placed ended more than IDEMPOTENCY_RETENTION (24 h) ago and the request was forgotten. Either way no order is placed; `orderId` names the key\'s order. A new order needs a new key.',
                { title: 'Idempotency-Key expired', status: 409, detail: 'the Idempotency-Key was used for order ord_3f5a0c1d9e8b7a6f5e4d3c2b, which has ended, and has expired: send a new key for a new order', orderId: 'ord_3f5a0c1d9e8b7a6f5e4d3c2b' },
              ),
            },
          }),
          get: op({
            tags: ['Staff'],
            operationId: 'searchOrders',
            summary: 'Search orders (staff)',
            description: 'Newest first, by customer, status or an id (order id, customer id, tracking number).',
            security: staffOnly,
            requestParams: { query: searchQuerySchema },
            responses: { '200': json('A page of orders.', orderSearchSchema), ...errors(400, 401, 403, 429) },
          }),
        },
        '/orders/{id}': {
          get: op({
            tags: ['Orders'],
            operationId: 'getOrder',
            summary: 'Read an order',
            description: 'Status, lines, shipments, payment and the timeline. A checkout credential reads only the orders it placed (404 otherwise); staff read all.',
            security: staffOnly,
            requestParams: { path: orderIdParam },
            responses: { '200': json('The order.', orderViewSchema), ...errors(400, 401, 403, 404, 429) },
          }),
        },
        '/orders/{id}/cancel': {
          post: op({
            tags: ['Orders'],
            operationId: 'cancelOrder',
            summary: 'Cancel an order',
            description:
              'By staff, or by the checkout credential that placed it (404 for anyone else). The saga compensates (releases stock, voids or refunds, cancels label and WMS task). `shipmentIds` (partial cancellation) is described ahead of its release: this build answers 400 to it.',
            security: staffOnly,
            requestParams: { path: orderIdParam, header: consoleHeader },
            requestBody: { required: true, content: { 'application/json': { schema: cancelSchema.meta({ id: 'CancelRequest', example: { reason: 'customer changed their mind' } }) } } },
            responses: {
              '202': json('The saga took the cancellation.', cancelAcceptedSchema),
              ...errors(400, 401, 403, 404, 413, 415, 429),
              '409': problem('Nothing could be cancelled: already ended, shipped, or refused by the warehouse (`refused` lists why per shipment).', {
                title: 'Cannot cancel',
                status: 409,
                detail: 'the order has already shipped; start a return instead',
              }),
              '503': problem("The saga did not answer in time (CANCEL_ANSWER_TIMEOUT_MS, 30 s): the cancellation is not confirmed and may still take effect. Check the order, then send the cancel again (`Retry-After`).", {
                title: 'Saga did not answer',
                status: 503,
                detail: "the order's saga did not answer within 30 s (its worker or Temporal may be down): the cancellation was not confirmed; read the order, and send it again if it still applies",
              }),
            },
          }),
        },
        '/orders/{id}/returns': {
          post: op({
            tags: ['Returns'],
            operationId: 'requestReturn',
            summary: 'Request a return',
            description:
              "By the checkout credential that placed the order, or staff (404 for anyone else). Each line is named by its number (`line`) or by a SKU that sits on one line only (422 naming the lines otherwise); its quantity is checked against what shipped minus what is already returning or returned (409 with the numbers). Idempotent by Idempotency-Key per credential and order: the same key and body answer the same return, another body is a 409. The return's workflow then tells the WMS to expect it and gets a return label; `GET …/returns/{returnId}` follows it.",
            security: staffOnly,
            requestParams: {
              path: orderIdParam,
              header: consoleHeader.extend({ 'idempotency-key': idempotencyKeySchema.meta({ description: 'One per return attempt, 1–200 visible ASCII characters; send it once.', example: 'return-7f3a9c' }) }),
            },
            requestBody: {
              required: true,
              content: { 'application/json': { schema: createReturnSchema.meta({ example: { lines: [{ line: 1, quantity: 1 }], reason: 'too small', resolution: 'refund' } }) } },
            },
            responses: {
              '202': { ...json('Accepted (or the same return again for a repeated key); follow it at links.self.', returnAcceptedSchema), headers: z.object({ location: z.string() }) },
              ...errors(400, 401, 403, 404, 413, 415, 429),
              '409': problem('More than can be returned (`shipped`, `returning`, `requested`, `returnable` say the numbers), nothing shipped yet, or the Idempotency-Key was used with another body (`returnId`).', {
                title: 'More than can be returned',
                status: 409,
                detail: 'lines[0].quantity: line 1 (TSHIRT-BLK-M) shipped 2, 1 returning or returned: at most 1 can be returned, not 2',
                field: 'lines[0].quantity',
                line: 1,
                sku: 'TSHIRT-BLK-M',
                shipped: 2,
                returning: 1,
                requested: 2,
                returnable: 1,
              }),
              '422': problem('A line the order does not have, a SKU on several lines (`choices` names them), or an exchange (not available yet).', {
                title: 'Unknown line',
                status: 422,
                detail: 'lines[0].sku: TSHIRT-BLK-M sits on lines 1 and 3: name the line by its number',
                field: 'lines[0].sku',
                choices: [1, 3],
              }),
            },
          }),
        },
        '/orders/{id}/returns/{returnId}': {
          get: op({
            tags: ['Returns'],
            operationId: 'getReturn',
            summary: 'Read a return',
            description: 'Its status, lines (what came back resellable, damaged, missing), money, labels and its timeline. Same access as the order.',
            security: staffOnly,
            requestParams: { path: orderIdParam.extend({ returnId: z.string().meta({ description: 'A return id (`ret_…`).', example: 'ret_9c1e0a7b3d5f2e4a6b8c0d1e' }) }) },
            responses: { '200': json('The return.', returnViewSchema), ...errors(400, 401, 403, 404, 429) },
          }),
        },
        '/orders/{id}/returns/{returnId}/cancel': {
          post: op({
            tags: ['Returns'],
            operationId: 'cancelReturn',
            summary: 'Cancel a return before its receipt',
            description: "By the order's checkout credential or staff. The WMS is asked to stop expecting it, then the return label is cancelled. A return the warehouse has received is not cancelled (409).",
            security: staffOnly,
            requestParams: { path: orderIdParam.extend({ returnId: z.string() }), header: consoleHeader },
            requestBody: { required: true, content: { 'application/json': { schema: cancelReturnSchema.meta({ id: 'CancelReturnRequest', example: { reason: 'customer kept it' } }) } } },
            responses: {
              '202': json('Cancelled: the return label and the expectation are being undone.', returnCancelledSchema),
              ...errors(400, 401, 403, 404, 413, 415, 429),
              '409': problem('Received or ended already.', { title: 'Cannot cancel', status: 409, detail: 'the return is already received', returnStatus: 'received' }),
              '503': problem('The warehouse, or the return\'s workflow, did not answer in time: nothing was cancelled; send it again (`Retry-After`).', {
                title: 'Warehouse did not answer',
                status: 503,
                detail: 'the warehouse could not be asked to stop expecting the return: nothing was cancelled; send the cancel again',
              }),
            },
          }),
        },
        '/orders/{id}/resolve': {
          post: op({
            tags: ['Staff'],
            operationId: 'resolveOrder',
            summary: 'Decide on a parked order (staff)',
            security: staffOnly,
            requestParams: { path: orderIdParam, header: consoleHeader },
            requestBody: { required: true, content: { 'application/json': { schema: resolveSchema.meta({ id: 'ResolveRequest', example: { action: 'retry' } }) } } },
            description:
              'The decision is taken by the saga (a Temporal update) only while a step waits for one: it answers every park waiting undecided, and the order resumes from there. A second decision on a decided park, or one sent while the first is being carried out, is refused (409, naming the decision taken).',
            responses: {
              '202': json('The saga took the decision; the parks it answered are being resumed.', resolveAcceptedSchema),
              ...errors(400, 401, 403, 404, 413, 415, 429),
              '409': problem('No step waits for a decision: not parked, already ended, already decided (`Already decided` names who decided what), or compensate while a parcel has shipped (`A parcel has shipped`).', {
                title: 'Already decided',
                status: 409,
                detail: 'the park was already decided: retry by support-alice is being carried out',
              }),
              '503': sagaSilent,
            },
          }),
        },
        '/inventory': {
          get: op({
            tags: ['Inventory'],
            operationId: 'listInventory',
            summary: 'List SKUs with availability per warehouse',
            description: 'SKU order, keyset-paginated: pass `nextCursor` as `cursor` for the next page (stable while stock changes). Filters: SKU prefix, warehouse.',
            security: staffOnly,
            requestParams: { query: inventoryQuerySchema },
            responses: { '200': json('A page of SKUs.', inventoryPageSchema), ...errors(400, 401, 403, 429) },
          }),
        },
        '/inventory/{sku}': {
          get: op({
            tags: ['Inventory'],
            operationId: 'getInventory',
            summary: "One SKU's availability",
            security: staffOnly,
            requestParams: { path: z.object({ sku: z.string().meta({ example: 'TSHIRT-BLK-M' }) }) },
            responses: { '200': json('Available, on hand and reserved, per warehouse and in total.', inventoryItemSchema), ...errors(400, 401, 403, 404, 429) },
          }),
        },
        '/admin/reconcile': {
          post: op({
            tags: ['Staff'],
            operationId: 'reconcile',
            summary: 'Reconcile stock with the ERP now (staff)',
            security: staffOnly,
            requestParams: { header: consoleHeader },
            requestBody: { content: { 'application/json': { schema: reconcileSchema.meta({ id: 'ReconcileRequest' }) } } },
            responses: {
              '200': json("The run's report.", reconciliationReportSchema),
              ...errors(400, 401, 403, 413, 415, 429),
              '502': problem('The reconciliation run failed.', { title: 'Reconciliation failed', status: 502, detail: 'run reconciliation-staff-1 failed: ERP unavailable' }),
            },
          }),
        },
        '/admin/payment-alerts': {
          get: op({
            tags: ['Staff'],
            operationId: 'listPaymentAlerts',
            summary: "Payment alerts from Stripe's webhooks (staff)",
            description: 'Disputes and money moved outside Hotpath on orders that had ended, newest first (at most 200), each with the order\'s status now.',
            security: staffOnly,
            responses: {
              '200': json(
                'Newest first.',
                z
                  .object({
                    alerts: z.array(z.object({ orderId: z.string(), at: z.string(), orderStatus: z.string(), detail: z.record(z.string(), z.unknown()).nullable() })),
                  })
                  .meta({ id: 'PaymentAlerts' }),
              ),
              ...errors(400, 401, 403, 429),
            },
          }),
        },
        '/admin/reconciliations': {
          get: op({
            tags: ['Staff'],
            operationId: 'listReconciliations',
            summary: 'The latest 50 reconciliation runs (staff)',
            security: staffOnly,
            responses: { '200': json('Newest first.', reconciliationRunsSchema), ...errors(400, 401, 403, 429) },
          }),
        },
        '/admin/reconciliations/{id}': {
          get: op({
            tags: ['Staff'],
            operationId: 'getReconciliation',
            summary: 'One reconciliation run (staff)',
            security: staffOnly,
            requestParams: { path: z.object({ id: z.string() }) },
            responses: { '200': json('The run.', reconciliationRunSchema), ...errors(400, 401, 403, 404, 429) },
          }),
        },
        ...Object.fromEntries(
          (['encode', 'decode'] as const).map((direction) => [
            `/codec/${direction}`,
            {
              post: op({
                tags: ['Staff'],
                operationId: `codec${direction[0]!.toUpperCase()}${direction.slice(1)}`,
                summary: `Temporal codec server: ${direction} payloads (staff)`,
                description: 'For the Temporal Web UI. Takes the console cookie without X-Hotpath-Console (it changes nothing); CORS for CODEC_CORS_ORIGINS with credentials.',
                security: staffOnly,
                requestBody: { required: true, content: { 'application/json': { schema: codecRequest } } },
                responses: { '200': json(`The payloads, ${direction}d.`, codecPayloadsSchema), ...errors(400, 401, 403, 404, 413, 415, 429) },
              }),
            },
          ]),
        ),
        '/console': {
          get: op({
            tags: ['Console'],
            operationId: 'consolePage',
            summary: 'The support console (HTML page; it signs in itself)',
            security: [],
            responses: { '200': { description: 'The page.', content: { 'text/html': { schema: z.string() } } } },
          }),
        },
        '/console/session': {
          get: op({
            tags: ['Console'],
            operationId: 'getConsoleSession',
            summary: 'Who is signed in',
            security: [{ consoleSession: [] }],
            responses: { '200': json('The session.', consoleSessionSchema), ...errors(401, 429) },
          }),
          post: op({
            tags: ['Console'],
            operationId: 'signIn',
            summary: 'Sign in with a staff token',
            description:
              'Sets the HttpOnly session cookie. JSON only: a form or text/plain post (which any web page can send) is a 415 and counts nothing; a browser request marked cross-site by `Sec-Fetch-Site` is a 403. Wrong tokens spend the address\'s failure budget (AUTH_FAILURES_PER_MINUTE, default 10 a minute, shared by every replica); past it a wrong token is a 429 until the minute has passed. A right token is always accepted.',
            security: [],
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: signInRequest },
              },
            },
            responses: {
              '200': { ...json('Signed in; `Set-Cookie: hotpath_session=…`.', consoleSessionSchema), headers: z.object({ 'set-cookie': z.string() }) },
              ...errors(400, 401, 403, 413, 415, 429),
            },
          }),
          delete: op({
            tags: ['Console'],
            operationId: 'signOut',
            summary: 'Sign out (clears the cookie)',
            security: [],
            responses: { '204': { description: 'Signed out.' }, ...errors(400, 429) },
          }),
        },
        '/webhook-subscriptions': {
          post: op({
            tags: ['Webhook subscriptions'],
            operationId: 'createWebhookSubscription',
            summary: 'Subscribe an endpoint to order and shipment events',
            description:
              "A checkout credential receives the events of the orders it placed; staff receive every order's. The answer holds the Standard Webhooks secret (`whsec_…`), shown only this once. Events are those under `webhooks` in this document.",
            security: staffOnly,
            requestParams: { header: consoleHeader },
            requestBody: {
              required: true,
              content: { 'application/json': { schema: createSubscriptionSchema.meta({ id: 'WebhookSubscriptionRequest', example: { url: 'https://checkout.example.com/hotpath-webhooks', events: ['order.completed', 'order.cancelled'] } }) } },
            },
            responses: {
              '201': { ...json('Subscribed; keep the secret.', webhookSubscriptionWithSecretSchema), headers: z.object({ location: z.string() }) },
              ...errors(400, 401, 403, 413, 415, 429),
              '409': problem('The caller has as many endpoints as one client may have (WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER, 16 by default): delete one first.', {
                title: 'Too many webhook endpoints',
                status: 409,
                detail: 'checkout-web has 16 webhook endpoints, the most one client may have (16): delete one before adding another',
              }),
              '422': problem(
                'The URL names, or its name resolves to, a private, loopback, link-local or otherwise non-public address (unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set), its name has no address, or its port is not allowed (WEBHOOK_ALLOWED_PORTS: 80, 443 and 1024-65535 by default). A resolved address is never named.',
                {
                  title: 'Forbidden webhook target',
                  status: 422,
                  detail: 'url: hooks.example.com resolves to a private, loopback or link-local address: webhook targets must be public',
                  issues: [{ field: 'url', message: 'hooks.example.com resolves to a private, loopback or link-local address: webhook targets must be public' }],
                },
              ),
              '503': problem('The URL\'s name could not be resolved just now (DNS did not answer); try again.', {
                title: 'Webhook target not resolved',
                status: 503,
                detail: 'url: hooks.example.com could not be resolved just now; try again',
              }),
            },
          }),
          get: op({
            tags: ['Webhook subscriptions'],
            operationId: 'listWebhookSubscriptions',
            summary: "The caller's webhook subscriptions (without secrets)",
            security: staffOnly,
            responses: { '200': json('Oldest first.', webhookSubscriptionListSchema), ...errors(400, 401, 403, 429) },
          }),
        },
        '/webhook-subscriptions/{id}': {
          delete: op({
            tags: ['Webhook subscriptions'],
            operationId: 'deleteWebhookSubscription',
            summary: 'Delete a subscription (its pending deliveries go with it)',
            security: staffOnly,
            requestParams: { path: subscriptionIdParam, header: consoleHeader },
            responses: { '204': { description: 'Deleted.' }, ...errors(400, 401, 403, 404, 429) },
          }),
        },
        '/webhook-subscriptions/{id}/rotate-secret': {
          post: op({
            tags: ['Webhook subscriptions'],
            operationId: 'rotateWebhookSecret',
            summary: 'Rotate the signing secret',
            description:
              'The new secret (shown only here) signs from now on; the previous one keeps signing beside it for 24 hours (`previousSecretExpiresAt`), as a second signature in `webhook-signature`, so receivers can switch without losing an event.',
            security: staffOnly,
            requestParams: { path: subscriptionIdParam, header: consoleHeader },
            responses: { '200': json('Rotated.', webhookSubscriptionWithSecretSchema), ...errors(400, 401, 403, 404, 429) },
          }),
        },
        '/webhook-subscriptions/{id}/deliveries': {
          get: op({
            tags: ['Webhook subscriptions'],
            operationId: 'listWebhookDeliveries',
            summary: "The subscription's delivery log",
            description: "Each event sent to the endpoint (the newest 200, or one order's): its state, attempts, the last answer or error, and every attempt.",
            security: staffOnly,
            requestParams: { path: subscriptionIdParam, query: deliveryLogQuerySchema },
            responses: { '200': json('Newest first.', webhookDeliveryLogSchema), ...errors(400, 401, 403, 404, 429) },
          }),
        },
        '/webhook-subscriptions/{id}/deliveries/{deliveryId}/redeliver': {
          post: op({
            tags: ['Webhook subscriptions'],
            operationId: 'redeliverWebhook',
            summary: 'Send a delivery again',
            description:
              'A new attempt now (same `webhook-id`), with the whole retry schedule ahead of it. A disabled endpoint is enabled again, and the deliveries paused when it was disabled are pending again (`resumed` counts them); the events that happened while it was disabled were not queued (`droppedEvents` on the subscription counts them).',
            security: staffOnly,
            requestParams: { path: subscriptionIdParam.extend({ deliveryId: z.string().meta({ example: '42' }) }), header: consoleHeader },
            responses: {
              '202': json('Queued.', redeliveryAcceptedSchema),
              ...errors(400, 401, 403, 404, 429),
              '409': problem('An attempt of this delivery is in flight.', { title: 'Attempt in flight', status: 409, detail: 'delivery 42 is being attempted right now' }),
            },
          }),
        },
        '/webhooks/wms': {
          post: op({
            tags: ['Webhooks'],
            operationId: 'wmsWebhook',
            summary: 'WMS callback: a parcel shipped, or a return was received',
            description:
              'Signed (Hotpath-Signature); forged, tampered or older than 5 minutes: 401. Delivered at least once: a repeat changes nothing. `task.shipped`: a parcel left the building; `return.received`: the warehouse counted a return, per SKU the units and their condition (resellable or damaged).',
            security: [{ wmsSignature: [] }],
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  // A plain union (`event` tells them apart): a discriminator object would be rewritten by the client's generator.
                  schema: z
                    .union([
                      shippedEvent.meta({
                        id: 'WmsShippedEvent',
                        example: { event: 'task.shipped', taskId: 'wms_1', reference: 'ord_3f5a0c1d9e8b7a6f5e4d3c2b', shipmentId: 'shp_1', trackingNumber: '1Z999', shippedAt: '2026-11-29T12:00:00Z' },
                      }),
                      returnReceivedEvent.meta({
                        id: 'WmsReturnReceivedEvent',
                        example: { event: 'return.received', returnId: 'ret_9c1e0a7b3d5f2e4a6b8c0d1e', reference: 'ord_3f5a0c1d9e8b7a6f5e4d3c2b', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, condition: 'resellable' }], receivedAt: '2026-12-04T12:00:00Z' },
                      }),
                    ])
                    .meta({ id: 'WmsEvent' }),
                },
              },
            },
            responses: { '200': json('Recorded (or a repeat).', webhookReceivedSchema), ...errors(400, 401, 404, 413, 415, 429) },
          }),
        },
        '/webhooks/stripe': {
          post: op({
            tags: ['Webhooks'],
            operationId: 'stripeWebhook',
            summary: 'Stripe webhook: payment_intent.canceled, charge.refunded, charge.dispute.created',
            description:
              "Verified with the Stripe SDK's constructEvent under STRIPE_WEBHOOK_SECRET (401 otherwise). Applied once per event id and checked against the order's books: a mismatch or a dispute parks a live order and is recorded for staff on an ended one.",
            security: [{ stripeSignature: [] }],
            requestBody: { required: true, content: { 'application/json': { schema: z.object({ id: z.string(), type: z.string(), data: z.object({ object: z.record(z.string(), z.unknown()) }) }).passthrough().meta({ id: 'StripeEvent' }) } } },
            responses: {
              '200': json(
                'Received (a repeat, an event for an unknown payment, or a type Hotpath does not act on, too).',
                z.object({ received: z.boolean(), duplicate: z.boolean().optional(), ignored: z.string().optional(), alert: z.string().optional() }).meta({ id: 'StripeWebhookReceived' }),
              ),
              ...errors(400, 401, 413, 415, 429),
            },
          }),
        },
        '/healthz': {
          get: op({
            tags: ['Operations'],
            operationId: 'health',
            summary: 'Postgres and Temporal reachability',
            description: 'Up or down, from a probe run at most once a second however often this is asked; `need` names the checks that decide 200 or 503 (default: all). A readiness probe asks `need=postgres` (the hot path accepts orders while Temporal is down); `need=` (empty) decides by no check, for a liveness probe. Staff (a bearer token or the console cookie) also get each check and its error text.',
            security: [],
            requestParams: { query: z.object({ need: z.string().optional().meta({ description: 'Comma-separated: postgres, temporal.', example: 'postgres' }) }) },
            responses: { '200': json('Healthy.', healthSchema), '503': json('Degraded (for staff, a check names what is unreachable).', healthSchema), ...errors(400, 429) },
          }),
        },
        '/openapi.json': {
          get: op({
            tags: ['Operations'],
            operationId: 'openApiDocument',
            summary: 'This document',
            security: [],
            responses: { '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
          }),
        },
        '/docs': {
          get: op({
            tags: ['Operations'],
            operationId: 'apiReference',
            summary: 'Interactive API reference (HTML, served from this origin)',
            security: [],
            responses: { '200': { description: 'The page.', content: { 'text/html': { schema: z.string() } } } },
          }),
        },
      },
      webhooks: webhookPayloads,
    },
  );
}