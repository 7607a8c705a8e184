import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { describe, expect, inject, it } from 'vitest';
import { api, newSku, orderRequest, placeOrder, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

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

  it('answers the Web UI’s CORS preflight for its origin only', async () => {
    const preflight = (origin: string) => fetch(`${inject('apiUrl')}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const ui = await preflight('http://localhost:8233');
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(ui.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
