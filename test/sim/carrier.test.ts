import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../sim/start';
import { labelBody, newReference, startSim, type SimClient } from './sim-client';

let server: SimServer;
let sim: SimClient;

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());

const cancel = (reference: string, labelKey: string) => sim.post('/carrier/labels/cancel', { reference, labelKey });

describe('labels', () => {
  it('creates a label with a tracking number', async () => {
    const reference = newReference();
    const response = await sim.post('/carrier/labels', labelBody(reference));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ carrier: 'SIMPOST', status: 'created' });
    expect(response.body.id).toMatch(/^lbl_/);
    expect(response.body.trackingNumber).toMatch(/^1Z[0-9A-Z]{16}$/);

    const label = await sim.get(`/carrier/labels/${response.body.id}`);
    expect(label.status).toBe(200);
    expect(label.body).toMatchObject({ reference, trackingNumber: response.body.trackingNumber, warehouse: 'wh-east' });
  });

  it.each([{ postalCode: 'INVALID' }, { postalCode: '' }, { country: 'GBR' }, { country: '1' }])(
    'refuses the undeliverable address %o with 422 and makes no label',
    async (shipTo) => {
      const reference = newReference();
      const response = await sim.post('/carrier/labels', labelBody(reference, shipTo));
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('invalid_address');
      expect((await sim.get(`/_sim/carrier/records?reference=${reference}`)).body.records).toEqual([]);
    },
  );

  it('refuses a malformed request with 400', async () => {
    const response = await sim.post('/carrier/labels', { ...labelBody(newReference()), parcels: [] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });

  it('answers 404 for an unknown label', async () => {
    expect((await sim.get('/carrier/labels/lbl_missing')).status).toBe(404);
  });
});

describe('label cancellation', () => {
  it('cancels a label found by its idempotency key, idempotently', async () => {
    const reference = newReference();
    const key = randomUUID();
    const created = await sim.post('/carrier/labels', labelBody(reference), { key });

    const first = await cancel(reference, key);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'cancelled', labelId: created.body.id });
    expect((await sim.get(`/carrier/labels/${created.body.id}`)).body.status).toBe('cancelled');
    expect((await cancel(reference, key)).body).toEqual(first.body);
  });

  it('tombstones an unknown key so a late label with it is refused', async () => {
    const reference = newReference();
    const key = randomUUID();
    expect((await cancel(reference, key)).body).toEqual({ status: 'nothing_to_cancel' });

    const late = await sim.post('/carrier/labels', labelBody(reference), { key });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('label_cancelled');
  });
});
