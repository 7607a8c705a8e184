import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { describe, expect, inject, it } from 'vitest';
import { api, newSku, orderRequest, placeOrder, waitForStatus } from '../support/stack';
import { dataConverterFor } from '../../lib/codec/dataConverter';
import { PAYLOAD_KEYS, STAFF_TOKEN } from '../support/testPolicy';

describe('PII-safe workflow histories', () => {
  it('Temporal stores no plaintext e-mail or address; the codec endpoint shows them to staff only', async () => {
    const sku = await newSku({ 'wh-east': 3 });
    const email = `grace.${Date.now()}@example.com`;
    const line1 = `${Date.now()} Compiler Lane`;
    const placed = await placeOrder(orderRequest({ email, lines: [{ sku, quantity: 1, unitPriceCents: 100 }], shippingAddress: { name: 'Grace Hopper', line1, city: 'Arlington', postalCode: '22201', country: 'US' } }));
    await waitForStatus(placed.body.orderId, ['completed']);

    // Read the history as Temporal holds it, with a client that has no key.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const history = await new Client({ connection }).workflow.getHandle(`order-${placed.body.orderId}`).fetchHistory();
      const raw = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
      expect(raw.length).toBeGreaterThan(1000);
      for (const secret of [email, line1, 'Grace Hopper', 'tok_visa']) expect(raw.includes(Buffer.from(secret)), secret).toBe(false);

      const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!;
      const input = started.input!.payloads![0]!;
      const wire = {
        payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(input.data!).toString('base64') }],
      };
      const decoded = await api('/codec/decode', { body: wire, headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
      expect(decoded.status).toBe(200);
      const order = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString());
      expect(order).toMatchObject({ orderId: placed.body.orderId, email, shippingAddress: { line1 } });

      expect((await api('/codec/decode', { body: wire, headers: { authorization: '' } })).status).toBe(401);
      expect((await api('/codec/decode', { body: wire })).status).toBe(403);
    } finally {
      await connection.close();
    }
  });

  it("keeps a vendor's words about a failure (which quote the request) in the failure's encrypted details, never in its message", async () => {
    const sku = await newSku({ 'wh-east': 4 });
    const lines = [{ sku, quantity: 1, unitPriceCents: 100 }];
    // Stripe answers "No such PaymentMethod: '<token>'"; the carrier "Postal code \"INVALID\" is not deliverable".
    const paymentToken = `tok_unknown_${Date.now().toString(36)}`;
    const unknownCard = await placeOrder(orderRequest({ lines, paymentToken }));
    const badAddress = await placeOrder(orderRequest({ lines, shippingAddress: { name: 'Ada Lovelace', line1: '12 Analytical St', city: 'Boston', postalCode: 'INVALID', country: 'US' } }));
    expect([unknownCard.status, badAddress.status]).toEqual([202, 202]);
    await waitForStatus(unknownCard.body.orderId, ['failed', 'rejected', 'needs_attention']);
    await waitForStatus(badAddress.body.orderId, ['rejected']);

    const codec = dataConverterFor({ PAYLOAD_KEYS })!.payloadCodecs![0]!;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const failuresOf = async (orderId: string) => {
        const history = await new Client({ connection }).workflow.getHandle(`order-${orderId}`).fetchHistory();
        const raw = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
        const failures = history.events!.flatMap((e) => (e.activityTaskFailedEventAttributes?.failure ? [e.activityTaskFailedEventAttributes.failure] : []));
        return { raw, failures: failures.map((f) => f.cause ?? f) };
      };
      const card = await failuresOf(unknownCard.body.orderId);
      const address = await failuresOf(badAddress.body.orderId);
      // Nothing of the vendors' words in clear, anywhere in either history.
      for (const words of [paymentToken, 'No such PaymentMethod']) expect(card.raw.includes(Buffer.from(words)), words).toBe(false);
      for (const words of ['INVALID', 'Postal code', 'not deliverable']) expect(address.raw.includes(Buffer.from(words)), words).toBe(false);
      // The messages say who answered what, by status and code.
      expect(card.failures[0]?.message).toBe('stripe answered 400: resource_missing');
      expect(address.failures.map((f) => f.message)).toContain('the carrier rejected the address (invalid_address)');
      // The words are kept, sealed: staff read them through the codec.
      const wordsOf = async (failure: (typeof card.failures)[number]) => {
        const [opened] = await codec.decode([failure.applicationFailureInfo!.details!.payloads![0]!]);
        return JSON.parse(Buffer.from(opened!.data!).toString()) as { vendorMessage?: string };
      };
      expect(await wordsOf(card.failures[0]!)).toMatchObject({ code: 'resource_missing', vendorMessage: `No such PaymentMethod: '${paymentToken}'` });
      const rejection = address.failures.find((f) => f.message === 'the carrier rejected the address (invalid_address)')!;
      expect(await wordsOf(rejection)).toEqual({ vendorMessage: 'Postal code "INVALID" is not deliverable' });
    } finally {
      await connection.close();
    }
  });

  it('answers the Web UI’s CORS preflight for its origin only', async () => {
    const preflight = (origin: string) => fetch(`${inject('apiUrl')}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const ui = await preflight('http://localhost:8233');
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(ui.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
