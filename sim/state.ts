import { BehaviorBook } from './behavior';
import { DEMO_STOCK, type StockRow } from './catalog';
import type { Label } from './carrier-records';
import { readSimConfig } from './config';
import type { ErpCredit, ErpOrder } from './erp-records';
import { StockBook } from './erp-stock';
import { IdempotencyStore } from './idempotency';
import { KeyedRecords } from './keyed-records';
import type { Message } from './notifications-records';
import type { SimPaymentIntent } from './stripe/objects';
import type { ExpectedReturn, Task } from './wms-records';
import { CancellationPolicy } from './wms-cancellations';

export interface SimOptions {
  now?: () => number;
  /** Source of randomness for failure rates and jitter; Math.random by default. */
  random?: () => number;
  initialStock?: StockRow[];
  /** Authorization validity window; SIM_AUTH_TTL_MS or 7 days by default. */
  authTtlMs?: number;
  /** How far Stripe search trails writes; SIM_SEARCH_LAG_MS or 0 by default. */
  searchLagMs?: number;
  /** Where Stripe events are sent, signed with the secret; STRIPE_WEBHOOK_URL and STRIPE_WEBHOOK_SECRET by default. */
  stripeWebhookUrl?: string;
  stripeWebhookSecret?: string;
  /** Where the WMS announces shipped tasks; WMS_CALLBACK_URL by default. */
  wmsCallbackUrl?: string;
  /** Environment to read SIM_* settings from; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/** How the card network treats one order's authorizations (tests of long parks and off-session payments). */
export interface PaymentRules {
  /** This order's authorizations lapse after this long, not after `authTtlMs`. */
  authorizationTtlMs?: number;
  /** An off-session authorization (the customer away: a re-authorization) is declined, authentication_required. */
  declineOffSession?: boolean;
}

/** Everything the simulated vendors remember, in memory only. */
export interface SimState {
  now: () => number;
  random: () => number;
  authTtlMs: number;
  wmsCallbackUrl: string | undefined;
  searchLagMs: number;
  stripeWebhookUrl: string | undefined;
  stripeWebhookSecret: string | undefined;
  behaviors: BehaviorBook;
  idempotency: IdempotencyStore;
  paymentIntents: KeyedRecords<SimPaymentIntent>;
  /** Per-order rules of the card network (SIM control `PUT /_sim/payment/orders/:orderId/rules`). */
  paymentRules: Map<string, PaymentRules>;
  labels: KeyedRecords<Label>;
  tasks: KeyedRecords<Task>;
  /** Returns the WMS expects (POST /wms/returns), counted through `POST /_sim/wms/returns/:returnId/receive`. */
  expectedReturns: KeyedRecords<ExpectedReturn>;
  cancellations: CancellationPolicy;
  stock: StockBook;
  erpOrders: KeyedRecords<ErpOrder>;
  erpCredits: KeyedRecords<ErpCredit>;
  messages: KeyedRecords<Message>;
}

export function createSimState(options: SimOptions = {}): SimState {
  const config = readSimConfig(options.env);
  return {
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    authTtlMs: options.authTtlMs ?? config.authTtlMs,
    wmsCallbackUrl: options.wmsCallbackUrl ?? config.wmsCallbackUrl,
    searchLagMs: options.searchLagMs ?? config.searchLagMs,
    stripeWebhookUrl: options.stripeWebhookUrl ?? config.stripeWebhookUrl,
    stripeWebhookSecret: options.stripeWebhookSecret ?? config.stripeWebhookSecret,
    behaviors: new BehaviorBook(config.baseline),
    idempotency: new IdempotencyStore(),
    paymentIntents: new KeyedRecords(),
    paymentRules: new Map(),
    labels: new KeyedRecords(),
    tasks: new KeyedRecords(),
    expectedReturns: new KeyedRecords(),
    cancellations: new CancellationPolicy(),
    stock: new StockBook(options.initialStock ?? DEMO_STOCK),
    erpOrders: new KeyedRecords(),
    erpCredits: new KeyedRecords(),
    messages: new KeyedRecords(),
  };
}
