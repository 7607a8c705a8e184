import { sql } from 'drizzle-orm';
import { terminalStatusLiterals } from './terminalStatuses';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** One row per order placed through the API. `status` mirrors the saga's state. */
export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    // The checkout credential (principal) that placed the order. Null for orders placed before owners were
    // recorded: those belong to the owner named by LEGACY_ORDER_OWNER (default: the first checkout credential).
    owner: text('owner'),
    // The digest of the request the key placed; null once the key expired (IDEMPOTENCY_RETENTION after the order
    // ended, activities/retention/): a replay then answers 409 "Idempotency-Key expired", and the id derived from
    // the key still names this row, so no second order can arise.
    requestHash: text('request_hash'),
    customerId: text('customer_id').notNull(),
    email: text('email').notNull(),
    currency: text('currency').notNull(),
    totalCents: integer('total_cents').notNull(),
    shippingAddress: jsonb('shipping_address').$type<ShippingAddress>().notNull(),
    paymentToken: text('payment_token').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    // The saga's transition number behind `status`: a late or repeated write of an older transition never wins.
    statusSeq: integer('status_seq').notNull().default(0),
    // The last `sequence` given to one of the order's webhook events: incremented in the transaction that writes
    // the event, under the row lock, so the sequence is gapless and in commit order.
    webhookSeq: integer('webhook_seq').notNull().default(0),
    workflowId: text('workflow_id').notNull(),
    // Null until the saga is known to have started: the outbox the dispatcher drains after a crash or outage.
    workflowStartedAt: timestamp('workflow_started_at', { withTimezone: true }),
    // The saga policy the order was accepted under, so a later start (dispatcher) runs it the same way.
    sagaPolicy: jsonb('saga_policy').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // The last transition's time: for an ended order, when it ended (an ended order's row never moves again).
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    // Retention (activities/retention/): when the customer's name, e-mail and address were redacted, and when the
    // order's events were pruned. Null until then.
    piiRedactedAt: timestamp('pii_redacted_at', { withTimezone: true }),
    eventsPrunedAt: timestamp('events_pruned_at', { withTimezone: true }),
  },
  (t) => [
    // Retention's work queues: ended orders, by when they ended, that still hold what a step removes. An order
    // enters each when it ends (never on the hot path) and leaves it when the step is done with it.
    index('orders_ended_key_held_idx').on(t.updatedAt).where(sql`${t.status} in ${terminalStatusLiterals()} and ${t.requestHash} is not null`),
    index('orders_ended_pii_held_idx').on(t.updatedAt).where(sql`${t.status} in ${terminalStatusLiterals()} and ${t.piiRedactedAt} is null`),
    index('orders_ended_events_held_idx').on(t.updatedAt).where(sql`${t.status} in ${terminalStatusLiterals()} and ${t.eventsPrunedAt} is null`),
    // Keys are scoped to their owner: the order id is derived from (owner, key), so the primary key is what
    // makes a key name one order; this index finds an owner's key.
    index('orders_owner_idempotency_key_idx').on(t.owner, t.idempotencyKey),
    // Customer and status lookups, and the staff search's newest-first pages (GET /orders), are index scans.
    index('orders_customer_created_idx').on(t.customerId, t.createdAt),
    index('orders_status_created_idx').on(t.status, t.createdAt),
    index('orders_created_idx').on(t.createdAt),
    index('orders_unstarted_idx').on(t.createdAt).where(sql`${t.workflowStartedAt} is null`),
    // The id every reader relies on (routes, the delivery log's schema): `ord_` and the key's digest, nothing else.
    check('orders_id_shape', sql`${t.id} ~ '^ord_[a-z0-9]{1,40}$'`),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    lineNo: integer('line_no').notNull(),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.lineNo] }),
    check('order_lines_quantity_positive', sql`${t.quantity} > 0`),
    check('order_lines_price_non_negative', sql`${t.unitPriceCents} >= 0`),
  ],
);

/** Append-only audit trail: every status change and step outcome of an order. */
export const orderEvents = pgTable(
  'order_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    type: text('type').notNull(),
    status: text('status'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    // Written by activities that may be retried: the key makes the append exactly-once.
    dedupeKey: text('dedupe_key'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.id), uniqueIndex('order_events_dedupe_uq').on(t.dedupeKey)],
);

/** Stock per SKU per warehouse: Hotpath's fast working set, reconciled with the ERP. */
export const stock = pgTable(
  'stock',
  {
    sku: text('sku').notNull(),
    warehouse: text('warehouse').notNull(),
    onHand: integer('on_hand').notNull(),
    reserved: integer('reserved').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.sku, t.warehouse] }),
    check('stock_on_hand_non_negative', sql`${t.onHand} >= 0`),
    check('stock_reserved_non_negative', sql`${t.reserved} >= 0`),
    // available = on_hand - reserved can never go negative: overselling is a constraint violation.
    check('stock_reserved_within_on_hand', sql`${t.reserved} <= ${t.onHand}`),
  ],
);

/** A hold of units for one order line in one warehouse. */
export const reservations = pgTable(
  'reservations',
  {
    orderId: text('order_id').notNull(),
    sku: text('sku').notNull(),
    warehouse: text('warehouse').notNull(),
    quantity: integer('quantity').notNull(),
    status: text('status').$type<'held' | 'committed' | 'released'>().notNull(),
    // Null while the order is parked for a human: nothing may release the units until they decide.
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.sku, t.warehouse] }),
    index('reservations_status_idx').on(t.status, t.expiresAt),
    check('reservations_quantity_positive', sql`${t.quantity} > 0`),
  ],
);

/** A parcel leaving one warehouse: its carrier label and its WMS task. */
export const shipments = pgTable(
  'shipments',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    warehouse: text('warehouse').notNull(),
    lines: jsonb('lines').$type<{ sku: string; quantity: number }[]>().notNull(),
    labelId: text('label_id'),
    trackingNumber: text('tracking_number'),
    wmsTaskId: text('wms_task_id'),
    status: text('status').notNull(),
    // The shipment's share of the order (its units at the prices of the lines they came from) and what of it
    // was captured and refunded: money is settled per shipment.
    amountCents: integer('amount_cents').notNull().default(0),
    pricedLines: jsonb('priced_lines').$type<{ sku: string; quantity: number; unitPriceCents: number }[]>(),
    capturedCents: integer('captured_cents').notNull().default(0),
    refundedCents: integer('refunded_cents').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('shipments_order_idx').on(t.orderId), index('shipments_tracking_idx').on(t.trackingNumber)],
);

/** The money side of an order, as the gateway confirmed it. */
export const payments = pgTable('payments', {
  orderId: text('order_id')
    .primaryKey()
    .references(() => orders.id),
  authorizationId: text('authorization_id'),
  authorizedCents: integer('authorized_cents').notNull().default(0),
  capturedCents: integer('captured_cents').notNull().default(0),
  voidedCents: integer('voided_cents').notNull().default(0),
  refundedCents: integer('refunded_cents').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export interface ShippingAddress {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
}

/**
 * Failed credentials (wrong bearer tokens, failed console sign-ins) per client address, one row per failure:
 * the strict per-address budget is counted here, so every API replica shares it. Successful requests never
 * write here; rows older than the budget's window are deleted as new failures arrive.
 */
export const authFailures = pgTable(
  'auth_failures',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    address: text('address').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('auth_failures_address_at_idx').on(t.address, t.at)],
);

/**
 * Console sessions signed out before they expired (api/auth/sessionRevocations.ts): a cookie whose id is here is
 * refused by every API replica. A row is swept once its session would have expired anyway.
 */
export const consoleSessionRevocations = pgTable(
  'console_session_revocations',
  {
    sessionId: text('session_id').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('console_session_revocations_expires_at_idx').on(t.expiresAt)],
);

/** One reconciliation of Hotpath's stock with the ERP: what was checked, corrected and released. */
export const reconciliationRuns = pgTable('reconciliation_runs', {
  id: text('id').primaryKey(),
  trigger: text('trigger').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  // Null until the run is recorded as finished: a retried activity finds the run it already applied.
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  skusChecked: integer('skus_checked').notNull(),
  corrections: integer('corrections').notNull(),
  unitsCorrected: integer('units_corrected').notNull(),
  variancePct: text('variance_pct').notNull(),
  holdsReleased: integer('holds_released').notNull(),
  details: jsonb('details').$type<Record<string, unknown>>().notNull(),
});

/** Which orders' holds a reconciliation run released, so a retried run counts each release once. */
export const reconciliationReleases = pgTable(
  'reconciliation_releases',
  {
    runId: text('run_id').notNull(),
    orderId: text('order_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.orderId] })],
);

/**
 * A checkout client's (or staff's) webhook endpoint. The secrets sign every delivery, so they are stored as
 * they are (not hashed); a rotated-out secret keeps signing beside the new one until `previous_secret_expires_at`.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: text('id').primaryKey(),
    owner: text('owner').notNull(),
    // Staff subscriptions receive every order's events; a checkout client's only those of the orders it placed.
    allOrders: boolean('all_orders').notNull().default(false),
    url: text('url').notNull(),
    // Null: every event type.
    events: jsonb('events').$type<string[]>(),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
    // Events not queued for it because it was disabled when they happened (dropped, not kept: see docs/webhooks.md).
    droppedEvents: integer('dropped_events').notNull().default(0),
  },
  (t) => [index('webhook_subscriptions_owner_idx').on(t.owner)],
);

/** The outbox: one row per order or shipment event, written in the transaction of the change it reports. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // The Standard Webhooks message id (`webhook-id`): the same on every attempt and for every subscriber.
    messageId: text('message_id').notNull(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    // The order's owner when the event was written (null: the legacy owner).
    owner: text('owner'),
    type: text('type').notNull(),
    sequence: integer('sequence').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // Null until the dispatcher has made the event's deliveries, one per matching subscription.
    fannedOutAt: timestamp('fanned_out_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('webhook_events_order_sequence_uq').on(t.orderId, t.sequence),
    uniqueIndex('webhook_events_message_uq').on(t.messageId),
    index('webhook_events_pending_idx').on(t.id).where(sql`${t.fannedOutAt} is null`),
    // Retention's: fanned-out events by age (an event enters it when it is fanned out, not when it is written).
    index('webhook_events_fanned_out_idx').on(t.createdAt).where(sql`${t.fannedOutAt} is not null`),
  ],
);

/** One event for one subscription: its attempts, its state and the last answer (the delivery log). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => webhookEvents.id),
    subscriptionId: text('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    // paused: queued before its endpoint was disabled; pending again (the whole schedule ahead) when it is enabled.
    state: text('state').$type<'pending' | 'sending' | 'delivered' | 'failed' | 'paused'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    // While `sending`: when the claim lapses and another dispatcher may take the delivery over (a crashed one).
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    // Every attempt: when, the answer's status or the error, how long it took (the newest last).
    log: jsonb('log').$type<DeliveryAttempt[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_subscription_uq').on(t.eventId, t.subscriptionId),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.state} in ('pending', 'sending')`),
    index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.id),
    // Retention's: delivered deliveries by when (only delivered rows are in it).
    index('webhook_deliveries_delivered_idx').on(t.deliveredAt).where(sql`${t.state} = 'delivered'`),
  ],
);

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Customer e-mails a mail server accepted, under the saga step's key: a retry of the step finds the row and
 * sends nothing. The Message-ID is derived from the key, so a duplicate (sent, then the process died before
 * this row was written) carries the same Message-ID as the first.
 */
export const notificationSends = pgTable('notification_sends', {
  key: text('key').primaryKey(),
  messageId: text('message_id').notNull(),
  acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
  // The server's answer to the message's data (e.g. `250 2.0.0 Ok: queued as …`).
  response: text('response'),
});

/**
 * Facts about this database that a setting must not silently change, recorded once by the first process that
 * starts on it. `legacy_order_owner`: whose orders keep the Idempotency-Key derivation from before keys were
 * scoped (value null: nobody's). Order ids are derived from it, so changing it would give a client's old keys new
 * order ids, and a retried request a second order (db/order/legacyOwner.ts).
 */
export const deploymentFacts = pgTable('deployment_facts', {
  key: text('key').primaryKey(),
  value: text('value'),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One retention run (activities/retention/): its cut-offs and what each step removed so far. Each batch adds its
 * count in the transaction that removes the rows, so a retried activity (or a retried run) counts every row once.
 */
export const retentionRuns = pgTable('retention_runs', {
  id: text('id').primaryKey(),
  trigger: text('trigger').notNull(),
  // The instant the cut-offs are taken from: fixed for the run, so a retry prunes against the same ones.
  asOf: timestamp('as_of', { withTimezone: true }).notNull(),
  policy: jsonb('policy').$type<Record<string, unknown>>().notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  // Null until the run is recorded as finished.
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  webhookDeliveriesDeleted: integer('webhook_deliveries_deleted').notNull().default(0),
  webhookEventsDeleted: integer('webhook_events_deleted').notNull().default(0),
  idempotencyKeysExpired: integer('idempotency_keys_expired').notNull().default(0),
  orderEventsDeleted: integer('order_events_deleted').notNull().default(0),
  ordersRedacted: integer('orders_redacted').notNull().default(0),
});

/**
 * One return of (part of) a shipped order (the returns context): requested through POST /orders/:id/returns, run
 * by its own workflow (`return-<id>`). `status` mirrors the workflow's; the money and the stock it moved are in
 * `return_lines` and the order's books (shipments' refunded shares, the stock table).
 */
export const returns = pgTable(
  'returns',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    // The credential that asked (a checkout principal or staff) and its Idempotency-Key: the return id is derived
    // from (order, principal, key), so a repeat names the same return by construction.
    requestedBy: text('requested_by').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    requestHash: text('request_hash').notNull(),
    reason: text('reason').notNull(),
    resolution: text('resolution').$type<'refund' | 'exchange'>().notNull(),
    status: text('status').notNull(),
    // The workflow's transition number behind `status`: a late write of an older transition never wins.
    statusSeq: integer('status_seq').notNull().default(0),
    workflowId: text('workflow_id').notNull(),
    // Null until the workflow is known to have started.
    workflowStartedAt: timestamp('workflow_started_at', { withTimezone: true }),
    // The return labels (one per warehouse the units go back to), once the carrier made them.
    labels: jsonb('labels').$type<{ warehouse: string; labelId: string; trackingNumber: string }[]>().notNull().default([]),
    refundedCents: integer('refunded_cents').notNull().default(0),
    receivedAt: timestamp('received_at', { withTimezone: true }),
    // When the receipt window closes (RETURN_RECEIPT_WINDOW after the request).
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    cancelledBy: text('cancelled_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('returns_order_idx').on(t.orderId, t.createdAt), check('returns_id_shape', sql`${t.id} ~ '^ret_[a-z0-9]{1,40}$'`)],
);

/**
 * A return's units of one order line that left in one shipment, and what the warehouse made of them: resellable
 * units are restocked at the shipment's warehouse, damaged ones written off, the rest missing.
 */
export const returnLines = pgTable(
  'return_lines',
  {
    returnId: text('return_id')
      .notNull()
      .references(() => returns.id),
    orderId: text('order_id').notNull(),
    lineNo: integer('line_no').notNull(),
    shipmentId: text('shipment_id').notNull(),
    warehouse: text('warehouse').notNull(),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
    // Null until the receipt.
    resellable: integer('resellable'),
    damaged: integer('damaged'),
    missing: integer('missing'),
    refundedCents: integer('refunded_cents').notNull().default(0),
    // Set in the transaction that moved the stock (restocked resellable units, written off damaged ones).
    stockSettledAt: timestamp('stock_settled_at', { withTimezone: true }),
    // Set once the ERP's credit for the line's return and shipment is recorded: until then, units restocked here
    // are not yet on hand in the ERP's books, and a reconciliation counts them in flight.
    erpCreditedAt: timestamp('erp_credited_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.returnId, t.lineNo, t.shipmentId] }),
    index('return_lines_order_idx').on(t.orderId, t.lineNo),
    // The reconciler's work queue: lines restocked here whose ERP credit is not recorded yet (only those are in it).
    index('return_lines_restocked_uncredited_idx').on(t.stockSettledAt).where(sql`${t.stockSettledAt} is not null and ${t.erpCreditedAt} is null`),
    check('return_lines_quantity_positive', sql`${t.quantity} > 0`),
  ],
);
