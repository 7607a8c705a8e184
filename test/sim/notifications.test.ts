import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../sim/start';
import { messageBody, newReference, startSim, type SimClient } from './sim-client';

let server: SimServer;
let sim: SimClient;

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());

describe('messages', () => {
  it('sends a message and keeps it', async () => {
    const reference = newReference();
    const response = await sim.post('/notifications/messages', messageBody(reference));
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^msg_/), status: 'sent' });
    const { records } = (await sim.get(`/_sim/notifications/records?reference=${reference}`)).body;
    expect(records).toMatchObject([
      { to: 'ada@example.com', template: 'order_confirmed', data: { orderId: reference } },
    ]);
  });

  it('refuses a bad recipient with invalid_recipient', async () => {
    const reference = newReference();
    const response = await sim.post('/notifications/messages', messageBody(reference, 'not-an-email'));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_recipient');
    expect((await sim.get(`/_sim/notifications/records?reference=${reference}`)).body.records).toEqual([]);
  });

  it('refuses a message without a template', async () => {
    const response = await sim.post('/notifications/messages', { ...messageBody(newReference()), template: '' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});
