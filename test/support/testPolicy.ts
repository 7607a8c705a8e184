import type { SagaPolicy } from '../../workflows/order/contract';

/** The production retry shape, compressed so failure paths finish in seconds. */
export const TEST_SAGA_POLICY: Partial<SagaPolicy> = {
  initialIntervalMs: 50,
  backoffCoefficient: 2,
  maximumIntervalMs: 200,
  maximumAttempts: 3,
  compensationAttempts: 3,
  stepTimeoutMs: 3_000,
};

export const STAFF_TOKEN = 'test-staff-token';
export const STAFF_CREDENTIAL = `support-alice:${STAFF_TOKEN}`;
export const CHECKOUT_TOKEN = 'test-checkout-token';
export const CHECKOUT_CREDENTIAL = `checkout-web:${CHECKOUT_TOKEN}`;
/** A second checkout service: its Idempotency-Keys and orders are its own. */
export const OTHER_CHECKOUT_TOKEN = 'test-checkout-token-2';
export const OTHER_CHECKOUT_CREDENTIAL = `checkout-app:${OTHER_CHECKOUT_TOKEN}`;
/** A third checkout service with webhook endpoints of its own and no orders: the fairness tests' crowd of endpoints. */
export const CROWD_CHECKOUT_TOKEN = 'test-checkout-token-crowd';
export const CROWD_CHECKOUT_CREDENTIAL = `checkout-crowd:${CROWD_CHECKOUT_TOKEN}`;
/** A checkout service whose only endpoint is the README's receiver: its deliveries wait behind nobody else's (owner slots). */
export const README_CHECKOUT_TOKEN = 'test-checkout-token-readme';
export const README_CHECKOUT_CREDENTIAL = `checkout-readme:${README_CHECKOUT_TOKEN}`;
export const WMS_WEBHOOK_SECRET = 'test-wms-webhook-secret';
export const STRIPE_WEBHOOK_SECRET = 'whsec_test_hotpath';

/** A fixed test key: the run's Temporal histories hold only ciphertext, as in production. */
export const PAYLOAD_KEYS = `test-key-1:${Buffer.alloc(32, 7).toString('base64')}`;

/**
 * The production schedule's shape, compressed: eight attempts over 156 s, so a receiver down for two minutes
 * still gets every event (the attempt at 126 s), and an endpoint that never answers is disabled after 156 s.
 */
export const TEST_WEBHOOK_RETRY_SCHEDULE = '0, 250ms, 1s, 5s, 20s, 40s, 60s, 30s';

/** What every API and worker of the test run is configured with, besides its addresses. */
export const TEST_API_ENV = {
  // The test credentials are short and published: development settings (lib/deployment.ts).
  HOTPATH_ENV: 'development',
  API_HOST: '127.0.0.1',
  PAYLOAD_KEYS,
  STAFF_TOKENS: STAFF_CREDENTIAL,
  CHECKOUT_TOKENS: `${CHECKOUT_CREDENTIAL},${OTHER_CHECKOUT_CREDENTIAL},${CROWD_CHECKOUT_CREDENTIAL},${README_CHECKOUT_CREDENTIAL}`,
  // The first checkout credential owns the orders placed before owners were recorded (test/order/ownership.test.ts).
  LEGACY_ORDER_OWNER: 'checkout-web',
  WMS_WEBHOOK_SECRET,
  STRIPE_WEBHOOK_SECRET,
  RATE_LIMIT_PER_MINUTE: '1000000',
  CHECKOUT_RATE_LIMIT_PER_MINUTE: '1000000',
  // Every test sends from 127.0.0.1: the strict budget is tested by its own API, with addresses of its own.
  AUTH_FAILURES_PER_MINUTE: '1000000',
  // APIs started by tests serve no metrics port unless they ask for one (the run's API gets a free port).
  API_METRICS_PORT: '0',
  // Test receivers listen on loopback. The SSRF tests use a sender of their own with private targets refused.
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_SCHEDULE: TEST_WEBHOOK_RETRY_SCHEDULE,
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
  // Every file's endpoints belong to the same few principals: the cap (16 by default) is tested by an API of its own.
  WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER: '1000',
};
