import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../sim/start';
import { newReference, startSim, taskBody, type SimClient } from './sim-client';

let server: SimServer;
let sim: SimClient;

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());
afterEach(() => sim.post('/_sim/reset'));

async function createTask() {
  const reference = newReference();
  const key = randomUUID();
  const response = await sim.post('/wms/tasks', taskBody(reference), { key });
  expect(response.status).toBe(201);
  return { reference, key, id: response.body.id as string };
}

const cancel = (reference: string, taskKey: string) => sim.post('/wms/tasks/cancel', { reference, taskKey });
const ship = (id: string) => sim.post(`/_sim/wms/tasks/${id}/ship`);

describe('tasks', () => {
  it('accepts a fulfillment task', async () => {
    const { id, reference } = await createTask();
    expect(id).toMatch(/^task_/);
    const task = await sim.get(`/wms/tasks/${id}`);
    expect(task.body).toMatchObject({ id, reference, status: 'accepted', trackingNumber: '1Z0000000000000001' });
  });

  it('refuses a malformed task with 400', async () => {
    const response = await sim.post('/wms/tasks', { ...taskBody(newReference()), lines: [{ sku: 'X', quantity: 0 }] });
    expect(response.status).toBe(400);
  });

  it('ships a task through the control route', async () => {
    const { id } = await createTask();
    const shipped = await ship(id);
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ id, status: 'shipped' });
    expect(Date.parse(shipped.body.shippedAt)).not.toBeNaN();
    expect((await sim.get(`/wms/tasks/${id}`)).body.status).toBe('shipped');
    expect((await ship('task_missing')).status).toBe(404);
  });
});

describe('task cancellation', () => {
  it('cancels an accepted task found by its idempotency key', async () => {
    const { id, key, reference } = await createTask();
    const response = await cancel(reference, key);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'cancelled', taskId: id });
    expect((await sim.get(`/wms/tasks/${id}`)).body.status).toBe('cancelled');
    expect((await cancel(reference, key)).body).toEqual(response.body);
  });

  it('refuses to cancel a shipped task, and to ship a cancelled one', async () => {
    const shippedTask = await createTask();
    await ship(shippedTask.id);
    const refused = await cancel(shippedTask.reference, shippedTask.key);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('already_shipped');

    const cancelledTask = await createTask();
    await cancel(cancelledTask.reference, cancelledTask.key);
    const notShipped = await ship(cancelledTask.id);
    expect(notShipped.status).toBe(409);
    expect((await sim.get(`/wms/tasks/${cancelledTask.id}`)).body.status).toBe('cancelled');
  });

  it('refuses cancellations in refuse mode until reset', async () => {
    const { id, key, reference } = await createTask();
    expect((await sim.post('/_sim/wms/cancellations', { mode: 'refuse' })).status).toBe(200);
    const refused = await cancel(reference, key);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('cancellation_refused');
    expect((await sim.get(`/wms/tasks/${id}`)).body.status).toBe('accepted');

    await sim.post('/_sim/wms/cancellations', {});
    expect((await cancel(reference, key)).body.status).toBe('cancelled');
  });

  it('can refuse cancellations for one reference only', async () => {
    const refusing = await createTask();
    const confirming = await createTask();
    await sim.post('/_sim/wms/cancellations', { mode: 'refuse', scope: refusing.reference });
    expect((await cancel(refusing.reference, refusing.key)).status).toBe(409);
    expect((await cancel(confirming.reference, confirming.key)).status).toBe(200);
  });

  it('refuses an unknown cancellation mode', async () => {
    expect((await sim.post('/_sim/wms/cancellations', { mode: 'maybe' })).status).toBe(400);
  });

  it('tombstones an unknown key so a late task with it is refused', async () => {
    const reference = newReference();
    const key = randomUUID();
    expect((await cancel(reference, key)).body).toEqual({ status: 'nothing_to_cancel' });
    const late = await sim.post('/wms/tasks', taskBody(reference), { key });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('task_cancelled');
  });
});

describe('shipment callback', () => {
  it('announces a shipped task to the callback URL', async () => {
    const received: unknown[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    const notifying = await startSim({ wmsCallbackUrl: `http://127.0.0.1:${port}/wms-events` });
    try {
      const reference = newReference();
      const task = await notifying.sim.post('/wms/tasks', taskBody(reference));
      await notifying.sim.post(`/_sim/wms/tasks/${task.body.id}/ship`);
      await expect.poll(() => received.length).toBe(1);
      expect(received[0]).toMatchObject({
        event: 'task.shipped',
        taskId: task.body.id,
        reference,
        shipmentId: `${reference}-1`,
        trackingNumber: '1Z0000000000000001',
      });
    } finally {
      await notifying.server.close();
      receiver.close();
    }
  });

  it('still ships when the callback receiver is unreachable', async () => {
    const notifying = await startSim({ wmsCallbackUrl: 'http://127.0.0.1:9/unreachable' });
    try {
      const task = await notifying.sim.post('/wms/tasks', taskBody(newReference()));
      expect((await notifying.sim.post(`/_sim/wms/tasks/${task.body.id}/ship`)).status).toBe(200);
    } finally {
      await notifying.server.close();
    }
  });
});
