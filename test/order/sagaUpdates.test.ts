import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { updateSaga } from '../../api/order/sagaUpdates';
import { Problem } from '../../api/problem';

/** A client whose update call fails as Temporal's does when the saga's last workflow task failed. */
const failingWith = (err: unknown) => ({ withDeadline: async () => Promise.reject(err) }) as unknown as Client;
const answers = { refused: () => new Problem(409, 'refused', 'refused'), ended: () => new Problem(409, 'ended', 'ended'), what: 'cancellation' };

describe('an update to a saga whose workflow task is failing', () => {
  it('answers 503 with a true message (FAILED_PRECONDITION), never a 500', async () => {
    // The shape @temporalio/client throws: a ServiceError wrapping the gRPC call's error (code 9).
    const grpc = Object.assign(new Error('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to Workflow Task in failed state.'), { code: 9 });
    const serviceError = Object.assign(new Error('Workflow Update failed'), { name: 'ServiceError', cause: grpc });
    const answer = await updateSaga(failingWith(serviceError), 1_000, async () => 'never', answers).catch((e) => e);
    expect(answer).toBeInstanceOf(Problem);
    expect(answer).toMatchObject({ status: 503, title: 'Saga cannot answer' });
    expect((answer as Problem).detail).toMatch(/^the order's saga cannot take the cancellation now: its workflow task is failing/);
  });

  it('passes anything else it does not know on (the last-resort handler answers it)', async () => {
    const other = new Error('something else');
    expect(await updateSaga(failingWith(other), 1_000, async () => 'never', answers).catch((e) => e)).toBe(other);
  });
});
