import 'zod-openapi';
import { z } from 'zod';
import { ORDER_STATUSES, TERMINAL_STATUSES } from '../../workflows/order/contract';
import { RETURN_STATUSES } from '../../workflows/returns/contract';

/**
 * The answers' shapes, in zod like the requests': the OpenAPI document is generated from both, and the tests
 * check real responses against the document. Members the saga's per-shipment money (issue 11) adds are
 * optional here until it ships.
 */

const isoTime = z.iso.datetime({ offset: true }).meta({ example: '2026-11-29T12:00:00.000Z' });
const orderId = z.string().regex(/^ord_[a-z0-9]{1,40}$/).meta({ description: 'Derived from the Idempotency-Key and the checkout credential.', example: 'ord_3f5a0c1d9e8b7a6f5e4d3c2b' });
const cents = z.int().meta({ description: 'Minor units of the order currency.' });
const orderStatus = z.enum(ORDER_STATUSES).meta({ id: 'OrderStatus', description: "The saga's state; completed, rejected, failed and cancelled are final." });
/**
 * The final statuses, as their own enum: the console and the typed client read the list from here (the document),
 * so it is written once (TERMINAL_STATUSES) and never copied into a client.
 */
export const terminalOrderStatusSchema = z
  .enum(TERMINAL_STATUSES as readonly string[] as [string, ...string[]])
  .meta({ id: 'TerminalOrderStatus', description: 'The statuses an order never leaves: its saga has ended.' });

export const problemSchema = z
  .looseObject({
    type: z.string().meta({ example: 'about:blank' }),
    title: z.string().meta({ example: 'Invalid input' }),
    status: z.int().meta({ example: 400 }),
    detail: z.string().meta({ description: 'Names the field (or header, or query parameter) at fault.', example: 'shippingAddress.name: holds ill-formed Unicode (a lone surrogate)' }),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional().meta({ description: 'Every invalid field (400).' }),
    orderId: z.string().optional().meta({ description: 'The order an Idempotency-Key was already used for (409).' }),
    orderStatus: z.string().optional().meta({ description: "The order's status when that is why it was refused (409)." }),
    unknownSkus: z.array(z.string()).optional().meta({ description: 'SKUs no stock is kept for (422).' }),
    retryAfterSeconds: z.int().optional().meta({ description: 'When the address may send credentials again (429 after failed credentials).' }),
    refused: z
      .array(z.object({ shipmentId: z.string(), reason: z.string() }))
      .optional()
      .meta({ description: 'Shipments that could not be cancelled, and why (409 on cancel).' }),
    returnId: z.string().optional().meta({ description: 'The return an Idempotency-Key was already used for (409).' }),
    returnStatus: z.string().optional().meta({ description: "The return's status when that is why it was refused (409)." }),
    field: z.string().optional().meta({ description: 'The field at fault (a return: `lines[0].quantity`, `lines[1].sku`, `resolution`).' }),
    choices: z.array(z.int()).optional().meta({ description: 'The line numbers a SKU sits on, when it sits on more than one (422 on a return).' }),
    line: z.int().optional().meta({ description: 'The order line a return asked too much of (409).' }),
    sku: z.string().optional(),
    shipped: z.int().optional().meta({ description: 'Units of the line shipped (409 on a return).' }),
    returning: z.int().optional().meta({ description: 'Units of the line already returning or returned (409 on a return).' }),
    requested: z.int().optional().meta({ description: 'Units the return asked for (409 on a return).' }),
    returnable: z.int().optional().meta({ description: 'Units that can still be returned: shipped minus returning (409 on a return).' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; every error is one.' });

export const linksSchema = z
  .object({
    self: z.string().meta({ example: '/orders/ord_3f5a0c1d9e8b7a6f5e4d3c2b' }),
    cancel: z.string().meta({ example: '/orders/ord_3f5a0c1d9e8b7a6f5e4d3c2b/cancel' }),
    workflow: z.string().optional().meta({ description: "The order's workflow in the Temporal Web UI, when TEMPORAL_UI_URL is set." }),
  })
  .meta({ id: 'OrderLinks' });

export const orderPlacedSchema = z
  .object({ orderId, status: orderStatus, links: linksSchema })
  .meta({ id: 'OrderAccepted', example: { orderId: 'ord_3f5a0c1d9e8b7a6f5e4d3c2b', status: 'received', links: { self: '/orders/ord_3f5a0c1d9e8b7a6f5e4d3c2b', cancel: '/orders/ord_3f5a0c1d9e8b7a6f5e4d3c2b/cancel' } } });

const shipmentStatus = z.enum(['allocated', 'labelled', 'handed_off', 'shipped', 'label_cancelled', 'wms_cancelled', 'cancelled']).meta({ id: 'ShipmentStatus' });

const returnId = z.string().regex(/^ret_[a-z0-9]{1,40}$/).meta({ description: 'Derived from the order, the credential and the Idempotency-Key.', example: 'ret_9c1e0a7b3d5f2e4a6b8c0d1e' });
const returnStatus = z
  .enum(RETURN_STATUSES)
  .meta({ id: 'ReturnStatus', description: "The return's state (docs/returns.md); refunded, expired, cancelled and failed are final." });

const returnLineView = z
  .object({
    line: z.int().meta({ description: "The order line's number." }),
    sku: z.string(),
    quantity: z.int().meta({ description: 'Units returned from this line that left in this shipment.' }),
    unitPriceCents: cents,
    shipmentId: z.string().meta({ description: 'The shipment the units left in: its capture pays the refund, its warehouse takes them back.' }),
    warehouse: z.string(),
    resellable: z.int().nullable().meta({ description: 'Units the warehouse counted resellable (restocked); null until the receipt.' }),
    damaged: z.int().nullable().meta({ description: 'Units counted damaged (written off, refunded); null until the receipt.' }),
    missing: z.int().nullable().meta({ description: 'Units not in the parcel (not refunded); null until the receipt.' }),
    refundedCents: cents,
  })
  .meta({ id: 'ReturnLine' });

const returnFields = {
  returnId,
  status: returnStatus,
  reason: z.string(),
  resolution: z.enum(['refund', 'exchange']),
  requestedBy: z.string().meta({ description: 'The credential that requested it (the checkout client or a staff member).' }),
  lines: z.array(returnLineView),
  amountCents: cents.meta({ description: "The returned units at their lines' prices." }),
  refundedCents: cents.meta({ description: 'What was refunded: the received units, never more than their shipments captured.' }),
  labels: z.array(z.object({ warehouse: z.string(), labelId: z.string(), trackingNumber: z.string() })).meta({ description: 'The return labels, one per warehouse the units go back to.' }),
  createdAt: isoTime,
  updatedAt: isoTime,
  expiresAt: isoTime.meta({ description: 'When the receipt window (RETURN_RECEIPT_WINDOW) closes.' }),
  receivedAt: isoTime.nullable(),
  cancelledBy: z.string().nullable(),
};

export const returnSummarySchema = z.object(returnFields).meta({ id: 'ReturnSummary' });

export const returnViewSchema = z
  .object({
    ...returnFields,
    orderId,
    workflowId: z.string().meta({ description: "The return's workflow (`return-<returnId>`) in the Temporal Web UI." }),
    timeline: z.array(z.object({ type: z.string().meta({ example: 'return.labelled' }), detail: z.record(z.string(), z.unknown()).nullable(), at: isoTime })),
  })
  .meta({ id: 'Return' });

export const returnAcceptedSchema = z
  .object({
    returnId,
    status: returnStatus,
    links: z.object({ self: z.string(), cancel: z.string() }),
  })
  .meta({ id: 'ReturnAccepted', example: { returnId: 'ret_9c1e0a7b3d5f2e4a6b8c0d1e', status: 'requested', links: { self: '/orders/ord_3f5a0c1d9e8b7a6f5e4d3c2b/returns/ret_9c1e0a7b3d5f2e4a6b8c0d1e', cancel: '/orders/ord_3f5a0c1d9e8b7a6f5e4d3c2b/returns/ret_9c1e0a7b3d5f2e4a6b8c0d1e/cancel' } } });

export const returnCancelledSchema = z.object({ returnId, status: returnStatus }).meta({ id: 'ReturnCancelAccepted' });

export const orderViewSchema = z
  .object({
    orderId,
    status: orderStatus,
    reason: z.string().nullable().meta({ description: 'Why the order ended as it did, or is parked.' }),
    customerId: z.string(),
    owner: z.string().nullable().meta({ description: 'The checkout credential that placed the order.' }),
    currency: z.string().meta({ example: 'USD' }),
    totalCents: cents,
    createdAt: isoTime,
    updatedAt: isoTime,
    workflowId: z.string(),
    lines: z.array(z.object({ line: z.int().optional().meta({ description: "The line's number, from 1 (a return names a line by it)." }), sku: z.string(), quantity: z.int(), unitPriceCents: cents })),
    shipments: z.array(
      z
        .object({
          shipmentId: z.string(),
          warehouse: z.string(),
          lines: z.array(z.object({ sku: z.string(), quantity: z.int() })),
          status: shipmentStatus,
          trackingNumber: z.string().nullable(),
          labelId: z.string().nullable(),
          wmsTaskId: z.string().nullable(),
          amountCents: cents.optional(),
          capturedCents: cents.optional(),
          refundedCents: cents.optional(),
        })
        .meta({ id: 'Shipment' }),
    ),
    payment: z.object({
      authorizationId: z.string().nullable(),
      authorizedCents: cents,
      capturedCents: cents,
      voidedCents: cents,
      refundedCents: cents,
    }),
    amounts: z
      .object({ shippedOrOpenCents: cents, capturedCents: cents, refundedCents: cents, cancelledCents: cents })
      .optional()
      .meta({ description: 'The money per state across shipments.' }),
    returns: z.array(returnSummarySchema).optional().meta({ description: 'Its returns, oldest first, with their lines and money.' }),
    history: z.array(
      z.object({
        type: z.string().meta({ example: 'order.received' }),
        status: z.string().nullable(),
        detail: z.record(z.string(), z.unknown()).nullable(),
        at: isoTime,
      }),
    ),
    links: linksSchema,
  })
  .meta({ id: 'Order' });

export const orderSearchSchema = z
  .object({
    orders: z.array(
      z.object({
        orderId,
        customerId: z.string(),
        status: orderStatus,
        reason: z.string().nullable(),
        totalCents: cents,
        currency: z.string(),
        createdAt: isoTime,
        updatedAt: isoTime,
      }),
    ),
    limit: z.int(),
  })
  .meta({ id: 'OrderSearchResult' });

export const cancelAcceptedSchema = z
  .object({
    orderId,
    status: orderStatus,
    cancelled: z.array(z.string()).optional().meta({ description: 'The shipments cancelled.' }),
    refused: z.array(z.object({ shipmentId: z.string(), reason: z.string() })).optional().meta({ description: 'The shipments that could not be cancelled, and why.' }),
    links: linksSchema.optional(),
  })
  .meta({ id: 'CancelAccepted' });

export const resolveAcceptedSchema = z
  .object({
    orderId,
    action: z.enum(['retry', 'compensate']),
    by: z.string().optional().meta({ description: 'Who decided (the staff credential).', example: 'support-alice' }),
    parks: z
      .array(
        z.object({
          parkId: z.string().meta({ example: 'park-1' }),
          reason: z.string().meta({ example: 'vendor_unavailable' }),
          why: z.string().meta({ example: 'create label failed after 5 attempts: carrier answered 503' }),
        }),
      )
      .optional()
      .meta({ description: 'The parks the decision answered: every step waiting for a decision when it was taken. Absent for an order of the first saga type.' }),
  })
  .meta({ id: 'ResolveAccepted' });

const warehouseStock = z
  .object({ warehouse: z.string().meta({ example: 'wh-east' }), onHand: z.int(), reserved: z.int(), available: z.int() })
  .meta({ id: 'WarehouseStock' });

export const inventoryItemSchema = z
  .object({ sku: z.string().meta({ example: 'TSHIRT-BLK-M' }), available: z.int(), onHand: z.int(), reserved: z.int(), warehouses: z.array(warehouseStock) })
  .meta({ id: 'InventoryItem' });

export const inventoryPageSchema = z
  .object({
    items: z.array(inventoryItemSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    limit: z.int(),
  })
  .meta({ id: 'InventoryPage' });

export const reconciliationReportSchema = z
  .object({
    runId: z.string(),
    skusChecked: z.int(),
    corrections: z.array(
      z.object({ sku: z.string(), warehouse: z.string(), erpOnHand: z.int(), localOnHand: z.int(), inFlight: z.int(), delta: z.int(), shortfall: z.int() }),
    ),
    unitsCorrected: z.int(),
    variancePct: z.number(),
    holdsReleased: z.int(),
    newRows: z.int(),
  })
  .meta({ id: 'ReconciliationReport' });

export const reconciliationRunSchema = z
  .object({
    id: z.string(),
    trigger: z.string(),
    startedAt: isoTime,
    finishedAt: isoTime,
    skusChecked: z.int(),
    corrections: z.int(),
    unitsCorrected: z.int(),
    variancePct: z.string(),
    holdsReleased: z.int(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ReconciliationRun' });

export const reconciliationRunsSchema = z.object({ runs: z.array(reconciliationRunSchema) }).meta({ id: 'ReconciliationRuns' });

export const codecPayloadsSchema = z
  .object({
    payloads: z
      .array(z.object({ metadata: z.record(z.string(), z.string()).optional().meta({ description: 'base64 values' }), data: z.string().optional().meta({ description: 'base64' }) }))
      .max(1000),
  })
  .meta({ id: 'CodecPayloads', description: "Temporal's codec-server wire format." });

export const consoleSessionSchema = z
  .object({ principal: z.string().meta({ example: 'support' }), role: z.literal('staff'), expiresAt: isoTime })
  .meta({ id: 'ConsoleSession' });

export const webhookReceivedSchema = z.object({ received: z.literal(true), duplicate: z.boolean() }).meta({ id: 'WebhookReceived' });

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'Staff only: each dependency, `ok` or what went wrong.', example: { postgres: 'ok', temporal: 'ok' } }),
    checkedAt: z.string().optional().meta({ description: 'Staff only: when the probe answering this ran (at most once a second).' }),
  })
  .meta({ id: 'Health' });

const subscriptionId = z.string().meta({ description: 'A webhook subscription id (`whsub_…`).', example: 'whsub_8Jk2mQz4Xw1bNc7d' });

export const webhookSubscriptionSchema = z
  .object({
    id: subscriptionId,
    url: z.string().meta({ example: 'https://checkout.example.com/hotpath-webhooks' }),
    events: z.array(z.string()).nullable().meta({ description: 'The event types it receives; null: all.' }),
    scope: z.enum(['own_orders', 'all_orders']).meta({ description: "own_orders: the events of the orders the subscribing checkout client placed; all_orders: every order's (staff)." }),
    createdAt: isoTime,
    previousSecretExpiresAt: isoTime.nullable().meta({ description: 'After a rotation: until when the previous secret still signs beside the new one.' }),
    disabledAt: isoTime
      .nullable()
      .meta({ description: 'Set when a delivery exhausted its retry schedule, or when the credential that made it is no longer configured; a redeliver enables the endpoint again.' }),
    disabledReason: z.string().nullable(),
    droppedEvents: z.int().meta({
      description: 'Events not queued for this endpoint because it was disabled when they happened (in all, since it was made). They are not sent on re-enable: read the orders (GET /orders) to catch up.',
      example: 0,
    }),
  })
  .meta({ id: 'WebhookSubscription' });

export const webhookSubscriptionWithSecretSchema = webhookSubscriptionSchema
  .extend({ secret: z.string().meta({ description: 'The Standard Webhooks signing secret (`whsec_…`). Shown only here: keep it.', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }) })
  .meta({ id: 'WebhookSubscriptionWithSecret' });

export const webhookSubscriptionListSchema = z.object({ subscriptions: z.array(webhookSubscriptionSchema) }).meta({ id: 'WebhookSubscriptionList' });

export const webhookDeliverySchema = z
  .object({
    id: z.string().meta({ example: '42' }),
    messageId: z.string().meta({ description: 'The `webhook-id` every attempt of this event carries.', example: 'msg_3f5a0c1d9e8b7a6f5e4d3c2b_3' }),
    type: z.string().meta({ example: 'order.completed' }),
    orderId,
    sequence: z.int(),
    state: z.enum(['pending', 'sending', 'delivered', 'failed', 'paused']).meta({ description: 'paused: queued before the endpoint was disabled; pending again when it is enabled.' }),
    attempts: z.int(),
    nextAttemptAt: isoTime.nullable(),
    deliveredAt: isoTime.nullable(),
    lastStatus: z.int().nullable().meta({ description: "The endpoint's last HTTP status, if it answered." }),
    lastError: z.string().nullable(),
    log: z.array(z.object({ at: isoTime, status: z.int().nullable(), error: z.string().nullable(), durationMs: z.int() })).meta({ description: 'Every attempt, oldest first.' }),
  })
  .meta({ id: 'WebhookDelivery' });

export const webhookDeliveryLogSchema = z
  .object({ subscription: webhookSubscriptionSchema, deliveries: z.array(webhookDeliverySchema).meta({ description: 'Newest first, at most 200.' }) })
  .meta({ id: 'WebhookDeliveryLog' });

export const redeliveryAcceptedSchema = z
  .object({
    deliveryId: z.string(),
    state: z.literal('pending'),
    resumed: z.int().meta({ description: 'Deliveries paused while the endpoint was disabled that are pending again (0 when it was enabled).', example: 0 }),
  })
  .meta({ id: 'RedeliveryAccepted' });
