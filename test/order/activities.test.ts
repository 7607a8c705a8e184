import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createOrderActivities } from '../../activities';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { paymentGateway } from '../../worker/createWorker';
import { vendorPorts } from '../../worker/vendors';
import { sim, simUrl, testDb } from '../support/stack';

/** Activities run outside a workflow, against the run's simulators and Postgres. */
function activities() {
  const config = loadConfig({ ...vendorUrlsFor(simUrl()), VENDOR_TIMEOUT_MS: '500' });
  return createOrderActivities({ db: testDb(), payments: paymentGateway(config), ...vendorPorts(config, testDb()), allocation: nearestSingleWarehouseFirst });
}

async function failureOf(run: () => Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('activities map vendor answers to saga outcomes', () => {
  const env = new MockActivityEnvironment();

  it('a declined card is a non-retryable PaymentDeclined', async () => {
    const failure = await failureOf(() =>
      env.run(activities().authorizePayment, { orderId: `unit-${Date.now()}`, attempt: 1, amountCents: 100, currency: 'USD', paymentToken: 'tok_chargeDeclined' }),
    );
    expect(failure).toMatchObject({ type: 'PaymentDeclined', nonRetryable: true });
  });

  it('an address the carrier rejects is a non-retryable InvalidAddress', async () => {
    const failure = await failureOf(() =>
      env.run(activities().createLabel, {
        orderId: `unit-${Date.now()}`,
        shipment: { shipmentId: 's1', warehouse: 'wh-east', lines: [{ sku: 'A', quantity: 1 }] },
        shipTo: { name: 'n', line1: 'l', city: 'c', postalCode: 'INVALID', country: 'US' },
      }),
    );
    expect(failure).toMatchObject({ type: 'InvalidAddress', nonRetryable: true });
  });

  it('a vendor outage is a retryable VendorUnavailable', async () => {
    const orderId = `unit-${Date.now()}`;
    await sim('/_sim/notifications/behavior', { scope: orderId, outage: true });
    const failure = await failureOf(() => env.run(activities().notifyCustomer, { orderId, email: 'a@example.com', template: 'order_confirmed', trackingNumbers: [] }));
    expect(failure).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });
  });

  it('voiding an authorization that never happened is a no-op that blocks a late authorization', async () => {
    const orderId = `unit-${Date.now()}`;
    const acts = activities();
    expect(await env.run(acts.voidAuthorization, { orderId, attempt: 1 })).toEqual({ status: 'nothing_to_void' });
    const late = await failureOf(() => env.run(acts.authorizePayment, { orderId, attempt: 1, amountCents: 100, currency: 'USD', paymentToken: 'tok_visa' }));
    expect(late.nonRetryable).toBe(true);
  });
});
