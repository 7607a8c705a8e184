import { randomUUID } from 'node:crypto';
import { ServiceError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { UndecryptablePayloadError } from '../../lib/codec/aesGcmCodec';
import { dataConverterFor } from '../../lib/codec/dataConverter';
import { ensureReconciliationSchedule } from '../../worker/inventory/reconciliationSchedule';

/** Clients of the run's Temporal that seal payloads with one given key, as workers of two deployments would. */
async function clientWithKey(keyId: string, fill: number) {
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: inject('temporalAddress'),
    client: { dataConverter: dataConverterFor({ PAYLOAD_KEYS: `${keyId}:${Buffer.alloc(32, fill).toString('base64')}` }) },
  });
  envs.push(env);
  return env.client;
}
const envs: TestWorkflowEnvironment[] = [];
afterAll(async () => {
  for (const env of envs) await env.teardown();
});

describe('the reconciliation schedule at worker start', () => {
  it('is brought to the configured interval when it already exists', async () => {
    const scheduleId = `reconcile-${randomUUID()}`;
    const client = await clientWithKey('k1', 1);
    await ensureReconciliationSchedule(client, { taskQueue: 'orders-elsewhere', everyMs: 3_600_000, scheduleId });
    await ensureReconciliationSchedule(client, { taskQueue: 'orders-elsewhere', everyMs: 600_000, scheduleId });
    const handle = client.schedule.getHandle(scheduleId);
    const described = await handle.describe();
    expect(described.spec.intervals).toMatchObject([{ every: 600_000 }]);
    await handle.delete();
  });

  it('is recreated, not a crash, when it was sealed with a payload key this worker does not hold', async () => {
    const scheduleId = `reconcile-${randomUUID()}`;
    // Same key id, different key: what a bench run against a long-lived cluster, or a botched rotation, produces.
    const before = await clientWithKey('k1', 1);
    const after = await clientWithKey('k1', 2);
    await ensureReconciliationSchedule(before, { taskQueue: 'orders-elsewhere', everyMs: 3_600_000, scheduleId });
    await expect(after.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(UndecryptablePayloadError);

    await ensureReconciliationSchedule(after, { taskQueue: 'orders-elsewhere', everyMs: 600_000, scheduleId });
    const described = await after.schedule.getHandle(scheduleId).describe();
    expect(described.spec.intervals).toMatchObject([{ every: 600_000 }]);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconciliationWorkflow', args: [{ trigger: 'schedule' }] });
    await after.schedule.getHandle(scheduleId).delete();
  });

  it('survives two workers replacing the same unreadable schedule at once', async () => {
    // The race that failed a newcomer's first run: one worker deleted the sealed schedule between the other's
    // create and update (ScheduleNotFoundError). Several rounds with more workers than a deployment starts.
    for (let round = 0; round < 3; round++) {
      const scheduleId = `reconcile-${randomUUID()}`;
      await ensureReconciliationSchedule(await clientWithKey('k1', 1), { taskQueue: 'orders-elsewhere', everyMs: 3_600_000, scheduleId });
      const workers = [await clientWithKey('k1', 4), await clientWithKey('k1', 4), await clientWithKey('k1', 4), await clientWithKey('k1', 4)];
      await Promise.all(workers.map((c) => ensureReconciliationSchedule(c, { taskQueue: 'orders-elsewhere', everyMs: 600_000, scheduleId })));
      const described = await workers[0]!.schedule.getHandle(scheduleId).describe();
      expect(described.spec.intervals).toMatchObject([{ every: 600_000 }]);
      await workers[0]!.schedule.getHandle(scheduleId).delete();
    }
  });

  it('creates the schedule again when a peer deletes it between our create and our update', async () => {
    // The interleaving behind the newcomer's failure, made certain: a peer replacing the schedule deletes it just
    // before this worker's update reads it.
    const scheduleId = `reconcile-${randomUUID()}`;
    await ensureReconciliationSchedule(await clientWithKey('k1', 1), { taskQueue: 'orders-elsewhere', everyMs: 3_600_000, scheduleId });
    const peer = await clientWithKey('k1', 6);
    const me = await clientWithKey('k1', 6);
    const getHandle = me.schedule.getHandle.bind(me.schedule);
    let deletedByPeer = false;
    me.schedule.getHandle = (id: string) => {
      const handle = getHandle(id);
      const update = handle.update.bind(handle);
      handle.update = async (...args) => {
        if (!deletedByPeer) {
          deletedByPeer = true;
          await peer.schedule.getHandle(id).delete();
        }
        return update(...args);
      };
      return handle;
    };
    await ensureReconciliationSchedule(me, { taskQueue: 'orders-elsewhere', everyMs: 600_000, scheduleId });
    expect(deletedByPeer).toBe(true);
    expect((await peer.schedule.getHandle(scheduleId).describe()).spec.intervals).toMatchObject([{ every: 600_000 }]);
    await peer.schedule.getHandle(scheduleId).delete();
  });

  it('goes round again, not a crash, when the server does not answer in time (DEADLINE_EXCEEDED)', async () => {
    // What a CI run on a busy 2-core machine met: describing a just-created schedule queries its backing workflow,
    // and the server gave up first. A worker starting on a busy cluster must ride that out.
    const scheduleId = `reconcile-${randomUUID()}`;
    await ensureReconciliationSchedule(await clientWithKey('k1', 1), { taskQueue: 'orders-elsewhere', everyMs: 3_600_000, scheduleId });
    const me = await clientWithKey('k1', 1);
    const getHandle = me.schedule.getHandle.bind(me.schedule);
    let timedOut = 0;
    me.schedule.getHandle = (id: string) => {
      const handle = getHandle(id);
      const update = handle.update.bind(handle);
      handle.update = async (...args) => {
        if (timedOut < 2) {
          timedOut++;
          const grpc = Object.assign(new Error('4 DEADLINE_EXCEEDED: context deadline exceeded'), { code: 4, details: 'context deadline exceeded', metadata: {} });
          throw new ServiceError('Failed to describe schedule', { cause: grpc });
        }
        return update(...args);
      };
      return handle;
    };
    await ensureReconciliationSchedule(me, { taskQueue: 'orders-elsewhere', everyMs: 600_000, scheduleId });
    expect(timedOut).toBe(2);
    expect((await me.schedule.getHandle(scheduleId).describe()).spec.intervals).toMatchObject([{ every: 600_000 }]);
    await me.schedule.getHandle(scheduleId).delete();
  });

  it('survives workers creating and updating the same readable schedule at once', async () => {
    const scheduleId = `reconcile-${randomUUID()}`;
    const workers = [await clientWithKey('k5', 5), await clientWithKey('k5', 5), await clientWithKey('k5', 5)];
    await Promise.all(workers.map((c) => ensureReconciliationSchedule(c, { taskQueue: 'orders-elsewhere', everyMs: 900_000, scheduleId })));
    expect((await workers[0]!.schedule.getHandle(scheduleId).describe()).spec.intervals).toMatchObject([{ every: 900_000 }]);
    await workers[0]!.schedule.getHandle(scheduleId).delete();
  });

  it('fails the worker start, not swallowed, when the server refuses the schedule (a negative interval)', async () => {
    const client = await clientWithKey('k3', 3);
    await expect(ensureReconciliationSchedule(client, { taskQueue: 'orders-elsewhere', everyMs: -5, scheduleId: `reconcile-${randomUUID()}` })).rejects.toThrow();
  });
});
