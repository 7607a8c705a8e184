import { z } from 'zod';
import type { SagaPolicy } from '../workflows/order/contract';
import type { RetentionPolicy } from '../workflows/retention/contract';
import { parseDurationMs } from './duration';
import { DEFAULT_ALLOWED_PORTS, DEFAULT_RETRY_SCHEDULE, parsePortPolicy, parseRetrySchedule } from './webhooks/contract';

/** The task queue of the sagas and their activities when TASK_QUEUE is unset (the Helm chart's KEDA trigger watches it). */
export const DEFAULT_TASK_QUEUE = 'orders';

/** Every setting Hotpath reads from the environment, validated once at start-up. */
const schema = z.object({
  /**
   * `production` (the default) or `development`: development allows what only a laptop should, tokens shorter
   * than 24 characters and no PAYLOAD_KEYS (lib/deployment.ts). `npm start`, the tests, the walks, chaos and the bench set it.
   */
  HOTPATH_ENV: z.enum(['production', 'development'], 'HOTPATH_ENV must be production or development').default('production'),
  DATABASE_URL: z.string().optional(),
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Temporal Cloud API key (implies TLS). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Force TLS on or off; by default TLS is on when a certificate, CA or API key is configured. */
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** mTLS client certificate and key (PEM files), e.g. for a Temporal Cloud namespace with certificate auth. */
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  /** CA that signed the server's certificate, when it is not a public one (self-hosted clusters). */
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
  API_PORT: z.coerce.number().int().default(3000),
  /** The address the API listens on: every interface (a container's default); `npm start` sets 127.0.0.1 unless told otherwise. */
  API_HOST: z.string().min(1).default('0.0.0.0'),
  SIM_PORT: z.coerce.number().int().default(4000),
  /** The payment gateway's adapter; Stripe is the only one (see activities/payment/port.ts for adding another). */
  PAYMENT_PROVIDER: z.enum(['stripe'], 'PAYMENT_PROVIDER must be stripe').default('stripe'),
  /** Stripe secret key (sk_test_… for test mode). Optional only when STRIPE_API_BASE points at the simulator or a mock. */
  STRIPE_API_KEY: z.string().min(1).optional(),
  /** Where Stripe's API is: unset for api.stripe.com; the simulator, stripe-mock or a proxy otherwise. */
  STRIPE_API_BASE: z.url('STRIPE_API_BASE must be a URL').optional(),
  /** Signing secret of the Stripe webhook endpoint (whsec_…); /webhooks/stripe refuses events without it. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /**
   * The adapters of the vendor ports (activities/shipment/carrierPort.ts, wmsPort.ts, activities/erp/port.ts):
   * `simulator` speaks the simulators' dialect at CARRIER_URL, WMS_URL and ERP_URL. A real vendor is one adapter
   * file and one more value here (docs/deploy.md).
   */
  CARRIER_PROVIDER: z.enum(['simulator'], 'CARRIER_PROVIDER must be simulator').default('simulator'),
  WMS_PROVIDER: z.enum(['simulator'], 'WMS_PROVIDER must be simulator').default('simulator'),
  ERP_PROVIDER: z.enum(['simulator'], 'ERP_PROVIDER must be simulator').default('simulator'),
  CARRIER_URL: z.string().default('http://127.0.0.1:4000/carrier'),
  WMS_URL: z.string().default('http://127.0.0.1:4000/wms'),
  ERP_URL: z.string().default('http://127.0.0.1:4000/erp'),
  NOTIFICATIONS_URL: z.string().default('http://127.0.0.1:4000/notifications'),
  /**
   * The notifications port's adapter: `smtp` (customer e-mail through SMTP_URL) or `simulator` (the notifications
   * simulator at NOTIFICATIONS_URL). Unset: smtp when SMTP_URL is set, the simulator otherwise.
   */
  NOTIFICATIONS_PROVIDER: z.enum(['smtp', 'simulator'], 'NOTIFICATIONS_PROVIDER must be smtp or simulator').optional(),
  /** The mail server customer e-mail goes through: smtp://[user:pass@]host:port, smtps:// for implicit TLS. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'SMTP_URL must be an smtp:// or smtps:// URL' }).optional(),
  /** The From of customer e-mail. */
  MAIL_FROM: z.string().min(1).default('Hotpath <orders@hotpath.localhost>'),
  VENDOR_TIMEOUT_MS: z.coerce.number().int().positive().default(4000),
  HOLD_TTL_MINUTES: z.coerce.number().positive().default(15),
  LOG_LEVEL: z.string().default('info'),
  /** OpenTelemetry tracing: off, otlp (to OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318) or console. */
  TRACING_EXPORTER: z.enum(['off', 'otlp', 'console']).default('off'),
  /** Connections of the API's Postgres pool (one order transaction holds one for ~2–8 ms). */
  API_DB_POOL_MAX: z.coerce.number().int().positive().default(20),
  /** Worker tuning; unset means the SDK's defaults (recorded by the benchmark). */
  WORKER_DB_POOL_MAX: z.coerce.number().int().positive().default(10),
  WORKER_WORKFLOW_SLOTS: z.coerce.number().int().positive().optional(),
  WORKER_ACTIVITY_SLOTS: z.coerce.number().int().positive().optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().optional(),
  WORKER_REUSE_V8_CONTEXT: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** Where a worker serves Prometheus /metrics (0: off), on WORKER_METRICS_HOST (default loopback only). */
  WORKER_METRICS_PORT: z.coerce.number().int().nonnegative().default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the dispatcher (`npm run dispatcher`) serves Prometheus /metrics (0: off), on DISPATCHER_METRICS_HOST (default loopback only). */
  DISPATCHER_METRICS_PORT: z.coerce.number().int().nonnegative().default(9463),
  DISPATCHER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the API serves Prometheus /metrics (0: off): never on the public API_PORT; loopback unless API_METRICS_HOST says otherwise. */
  API_METRICS_PORT: z.coerce.number().int().nonnegative().default(9465),
  API_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Express's `trust proxy`: which proxies' X-Forwarded-For names the client address the limits count
   * (e.g. `loopback`, `10.0.0.0/8`, a hop count, `true`). Unset: the TCP peer is the client.
   */
  TRUST_PROXY: z.string().optional(),
  /** Wrong bearer tokens and failed console sign-ins an address may send a minute; past it they get 429 (a right token never does). */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(10),
  /**
   * Owner of orders placed before orders recorded one; its keys keep the unscoped order-id derivation. No default:
   * recorded once per database by the first process to start (db/order/legacyOwner.ts), required then only if
   * the database already holds orders, and refused afterwards if it names anyone else.
   */
  LEGACY_ORDER_OWNER: z.string().min(1).optional(),
  /**
   * Whether a worker also runs the background duties (the dispatcher, the reconciliation and retention schedules). `npm start`
   * runs them once, in their own `dispatcher` process, and sets this to false for its workers.
   */
  WORKER_BACKGROUND_DUTIES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** How long a cancel waits for the saga's answer (an update) before it answers 503 "not confirmed". */
  CANCEL_ANSWER_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** How long the hot path waits for Temporal to start a saga before leaving it to the dispatcher. */
  TEMPORAL_START_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  /** The dispatcher starts sagas of orders committed this long ago and still not started. */
  DISPATCH_AFTER_MS: z.coerce.number().int().nonnegative().default(5000),
  DISPATCH_INTERVAL_MS: z.coerce.number().int().positive().default(2000),
  /**
   * Whether webhook deliveries may reach private, loopback and link-local addresses (checked on the address
   * connected to, after DNS). Off in production; `npm start` turns it on for receivers on this machine.
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Delays before each delivery attempt (see lib/webhooks/retrySchedule.ts); after the last, the endpoint is disabled. */
  WEBHOOK_RETRY_SCHEDULE: z.string().default(DEFAULT_RETRY_SCHEDULE).transform((raw) => parseRetrySchedule(raw)),
  /** One delivery attempt's budget (connect, send, answer). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** How often the dispatcher looks for new events and due deliveries. */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(250),
  /**
   * Attempts in flight at once (per dispatcher): to one subscription, to the endpoints of one owner (a checkout
   * client or staff principal), to one target host (whoever's endpoints name it), and in all. An attempt needs a
   * slot of each, so neither one client nor one slow host can hold every slot (worker/webhooks/slots.ts).
   */
  WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: z.coerce.number().int().positive().default(4),
  WEBHOOK_CONCURRENCY_PER_OWNER: z.coerce.number().int().positive().default(16),
  WEBHOOK_CONCURRENCY_PER_HOST: z.coerce.number().int().positive().default(8),
  WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().positive().default(64),
  /** Webhook endpoints one owner may have (Stripe's number); the next is refused with 409 until one is deleted. */
  WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER: z.coerce.number().int().positive().default(16),
  /** The ports a webhook URL may name, at subscription and at delivery: ports and ranges (`80,443,1024-65535`). */
  WEBHOOK_ALLOWED_PORTS: z.string().default(DEFAULT_ALLOWED_PORTS).transform((raw, ctx) => {
    try {
      return parsePortPolicy(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  /** How long a rotated-out webhook secret keeps signing beside the new one. */
  WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce.number().positive().default(24),
  /** Payload encryption keys `id:base64(32 bytes),…`; Temporal histories hold only ciphertext when set. */
  PAYLOAD_KEYS: z.string().optional(),
  /**
   * Payloads in clear are acceptable: without PAYLOAD_KEYS, start in production anyway, knowing that customer data
   * reaches Temporal in clear; with them, still read payloads that are not encrypted (histories written before the
   * keys were set). Unset, a payload in clear is refused when keys are set: only a client without them wrote it.
   */
  ALLOW_PLAINTEXT_PAYLOADS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Which of PAYLOAD_KEYS encrypts new payloads (default: the last). */
  PAYLOAD_KEY_ID: z.string().optional(),
  /** Origins allowed to call the codec endpoints from a browser (the Temporal Web UI), comma-separated. */
  CODEC_CORS_ORIGINS: z.string().default('http://localhost:8233'),
  RECONCILE_EVERY_MINUTES: z.coerce.number().positive().default(5),
  /**
   * Retention (docs/deploy.md, "Retention"): how often the retention schedule runs, and how long what it prunes is
   * kept. An order's keys, timeline and customer data are counted from when it ended; an open order keeps all.
   */
  RETENTION_EVERY_MINUTES: z.coerce.number().positive().default(60),
  /** Delivered webhook deliveries, and events with no delivery left, older than this many days are deleted. */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().positive().default(30),
  /** How long after its order ended an Idempotency-Key is honoured (as Stripe keeps keys); a replay after it answers 409. */
  IDEMPOTENCY_RETENTION: z
    .string()
    .default('24h')
    .transform((raw, ctx) => {
      try {
        return parseDurationMs(raw, 'IDEMPOTENCY_RETENTION');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * How long a return waits for the warehouse's receipt before it expires (its return label cancelled): a duration
   * (`30d`, `12h`, `45s`; docs/returns.md). Fixed per return when it is requested.
   */
  RETURN_RECEIPT_WINDOW: z
    .string()
    .default('30d')
    .transform((raw, ctx) => {
      try {
        return parseDurationMs(raw, 'RETURN_RECEIPT_WINDOW');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** Days after an order ended that its events (its timeline) are deleted; the order row stays. */
  ORDER_RETENTION_DAYS: z.coerce.number().positive().default(400),
  /** Days after an order ended that the customer's name, e-mail and street address are redacted from it. */
  PII_RETENTION_DAYS: z.coerce.number().positive().default(90),
  /** Rows one retention transaction changes at most. */
  RETENTION_BATCH_SIZE: z.coerce.number().int().positive().default(1000),
  /** Checkout-service credentials as `name:token,…`: may place and read orders. */
  CHECKOUT_TOKENS: z.string().optional(),
  /** Shared secret the WMS signs its callbacks with; webhooks are refused without it. */
  WMS_WEBHOOK_SECRET: z.string().optional(),
  /** Requests a minute per staff principal, and per client address when anonymous, counted per API process. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  /**
   * Requests a minute per checkout principal, per API process. 30,000 (500/s): a shop's peak of 100 orders/s,
   * each with a few reads and retries beside it, stays well inside; a client stuck in a loop does not.
   */
  CHECKOUT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(30_000),
  /** Per-credential budgets `name:perMinute,…`, overriding the role's (a name of CHECKOUT_TOKENS or STAFF_TOKENS). */
  RATE_LIMITS_PER_MINUTE: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const budgets: Record<string, number> = {};
      for (const pair of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
        const at = pair.lastIndexOf(':');
        const perMinute = Number(pair.slice(at + 1));
        if (at <= 0 || !Number.isInteger(perMinute) || perMinute <= 0) {
          ctx.addIssue({ code: 'custom', message: `RATE_LIMITS_PER_MINUTE: "${pair}" must look like name:perMinute (a positive integer)` });
          return z.NEVER;
        }
        budgets[pair.slice(0, at)] = perMinute;
      }
      return budgets;
    }),
  /** Staff credentials as `name:token,name:token`; the name is recorded as who cancelled. */
  STAFF_TOKENS: z.string().optional(),
  /**
   * HMAC-SHA256 key of the staff console's sign-in cookie (at least 32 characters). Unset: a random key per
   * API process, so sessions end on restart and each replica only accepts its own; set it for several replicas.
   */
  SESSION_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional()),
  /** Link target for an order's workflow in the Temporal Web UI. */
  TEMPORAL_UI_URL: z.string().optional(),
  /** JSON overrides of the saga's retry and timeout policy (see workflows/order/policy.ts). */
  SAGA_POLICY: z
    .string()
    .optional()
    .transform((raw) => (raw ? (JSON.parse(raw) as Partial<SagaPolicy>) : undefined)),
});

export type Config = z.infer<typeof schema>;

/** The name of every variable above (the Helm chart's test checks that it sets no other). */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = schema.parse(env);
  const notifications = notificationsProvider(config);
  // HOLD_TTL_MINUTES is the default of the saga's holdTtlMs; SAGA_POLICY's own holdTtlMs, if any, is more specific and wins.
  return { ...config, NOTIFICATIONS_PROVIDER: notifications, SAGA_POLICY: { holdTtlMs: Math.round(config.HOLD_TTL_MINUTES * 60_000), ...config.SAGA_POLICY } };
}

/** The notifications adapter the settings choose: smtp when SMTP_URL is set, unless NOTIFICATIONS_PROVIDER says otherwise. */
export function notificationsProvider(config: Pick<Config, 'NOTIFICATIONS_PROVIDER' | 'SMTP_URL'>): 'smtp' | 'simulator' {
  const provider = config.NOTIFICATIONS_PROVIDER ?? (config.SMTP_URL ? 'smtp' : 'simulator');
  if (provider === 'smtp' && !config.SMTP_URL) throw new Error('NOTIFICATIONS_PROVIDER=smtp needs SMTP_URL (smtp://host:port of the mail server)');
  return provider;
}

/** The retention run's policy, from the settings (the schedule carries it to every run). */
export function retentionPolicyOf(config: Pick<Config, 'WEBHOOK_RETENTION_DAYS' | 'IDEMPOTENCY_RETENTION' | 'ORDER_RETENTION_DAYS' | 'PII_RETENTION_DAYS' | 'RETENTION_BATCH_SIZE'>): RetentionPolicy {
  return {
    webhookRetentionDays: config.WEBHOOK_RETENTION_DAYS,
    idempotencyRetentionMs: config.IDEMPOTENCY_RETENTION,
    orderRetentionDays: config.ORDER_RETENTION_DAYS,
    piiRetentionDays: config.PII_RETENTION_DAYS,
    batchSize: config.RETENTION_BATCH_SIZE,
  };
}

/** Base URLs of the vendor systems, so a real vendor can replace each simulator (Stripe's API is served at the simulator's root). */
export function vendorUrlsFor(simBaseUrl: string) {
  return {
    STRIPE_API_BASE: simBaseUrl,
    CARRIER_URL: `${simBaseUrl}/carrier`,
    WMS_URL: `${simBaseUrl}/wms`,
    ERP_URL: `${simBaseUrl}/erp`,
    NOTIFICATIONS_URL: `${simBaseUrl}/notifications`,
  };
}
