import type { SagaPolicy } from '../../workflows/order/types';

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
export const WMS_WEBHOOK_SECRET = 'test-wms-webhook-secret';
export const STRIPE_WEBHOOK_SECRET = 'whsec_test_hotpath';

/** A fixed test key: the run's Temporal histories hold only ciphertext, as in production. */
export const PAYLOAD_KEYS = `test-key-1:${Buffer.alloc(32, 7).toString('base64')}`;

/** What every API and worker of the test run is configured with, besides its addresses. */
export const TEST_API_ENV = {
  PAYLOAD_KEYS,
  STAFF_TOKENS: STAFF_CREDENTIAL,
  CHECKOUT_TOKENS: CHECKOUT_CREDENTIAL,
  WMS_WEBHOOK_SECRET,
  STRIPE_WEBHOOK_SECRET,
  RATE_LIMIT_PER_MINUTE: '1000000',
};
