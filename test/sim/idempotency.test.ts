import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../sim/start';
import {
  erpOrderBody,
  labelBody,
  messageBody,
  newReference,
  startSim,
  taskBody,
  type SimClient,
} from './sim-client';

let server: SimServer;
let sim: SimClient;

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());

const creates = [
  { system: 'carrier', path: '/carrier/labels', body: labelBody },
  { system: 'wms', path: '/wms/tasks', body: taskBody },
  { system: 'erp', path: '/erp/orders', body: erpOrderBody },
  { system: 'notifications', path: '/notifications/messages', body: messageBody },
] as const;

describe.each(creates)('$system idempotency', ({ system, path, body }) => {
  it('refuses a mutation without an Idempotency-Key and records nothing', async () => {
    const reference = newReference();
    const response = await sim.post(path, body(reference), { key: null });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('idempotency_key_required');
    expect((await sim.get(`/_sim/${system}/records?reference=${reference}`)).body.records).toEqual([]);
  });

  it('replays the first answer for a repeated key without creating a second record', async () => {
    const reference = newReference();
    const key = randomUUID();
    const first = await sim.post(path, body(reference), { key });
    const second = await sim.post(path, body(reference), { key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const { records } = (await sim.get(`/_sim/${system}/records?reference=${reference}`)).body;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: first.body.id, reference, idempotencyKey: key });
    expect(Date.parse(records[0].createdAt)).not.toBeNaN();
  });
});

describe('idempotency across requests', () => {
  it('replays business errors too', async () => {
    const key = randomUUID();
    const reference = newReference();
    const refused = await sim.post('/carrier/labels', labelBody(reference, { postalCode: 'INVALID' }), { key });
    const replayed = await sim.post('/carrier/labels', labelBody(reference), { key });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(replayed.status).toBe(refused.status);
    expect(replayed.body).toEqual(refused.body);
  });

  it('rejects a key reused on a different endpoint of the same system', async () => {
    const key = randomUUID();
    const reference = newReference();
    const label = await sim.post('/carrier/labels', labelBody(reference), { key });
    const misuse = await sim.post('/carrier/labels/cancel', { reference, labelKey: key }, { key });
    expect(misuse.status).toBe(422);
    expect(misuse.body.error.code).toBe('idempotency_key_reused');
    const [record] = (await sim.get(`/_sim/carrier/records?reference=${reference}`)).body.records;
    expect(record).toMatchObject({ id: label.body.id, status: label.body.status });
  });

  it('scopes keys per system', async () => {
    const key = randomUUID();
    const reference = newReference();
    const label = await sim.post('/carrier/labels', labelBody(reference), { key });
    const task = await sim.post('/wms/tasks', taskBody(reference), { key });
    expect(label.status).toBe(201);
    expect(task.status).toBe(201);
    expect(task.body.id).toMatch(/^task_/);
  });

  it('lets only one of two concurrent requests with the same key act', async () => {
    await sim.post('/_sim/notifications/behavior', { latencyMs: 30 });
    try {
      const reference = newReference();
      const key = randomUUID();
      const [a, b] = await Promise.all([
        sim.post('/notifications/messages', messageBody(reference), { key }),
        sim.post('/notifications/messages', messageBody(reference), { key }),
      ]);
      expect(a.body.id).toBe(b.body.id);
      expect((await sim.get(`/_sim/notifications/records?reference=${reference}`)).body.records).toHaveLength(1);
    } finally {
      await sim.delete('/_sim/notifications/behavior');
    }
  });
});

describe('HTTP surface', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const response = await sim.get('/carrier/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('answers malformed JSON with a 400', async () => {
    const response = await fetch(`${sim.url}/carrier/labels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
      body: '{not json',
    });
    const body = (await response.json()) as { error: { code: string } };
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
  });

  it('lists every record of a system when no reference is given', async () => {
    const references = [newReference(), newReference()];
    for (const reference of references) await sim.post('/notifications/messages', messageBody(reference));
    const { records } = (await sim.get('/_sim/notifications/records')).body;
    const seen = records.map((record: { reference: string }) => record.reference);
    expect(seen).toEqual(expect.arrayContaining(references));
  });
});
