import { describe, expect, it } from 'vitest';
import { orders } from '../../db/schema';
import { fixtureOrder, testDb } from '../support/stack';

// A checkout client's delivery log (and every other view) names orders by the API's id shape. The log once held
// another test's hand-made order (`PROP-…`), which the dispatcher had started a saga for, and failed its schema.
describe('order ids of the API’s shape, whatever writes the row', () => {
  it('the database refuses an order id of any other shape, so no log or view can show one', async () => {
    const { id: _id, idempotencyKey: _key, ...row } = fixtureOrder('shape');
    for (const id of ['PROP-1-0-o0', 'race-T-1', 'ord_UPPER', 'ord_', `ord_${'a'.repeat(41)}`]) {
      await expect(testDb().insert(orders).values({ ...row, id, idempotencyKey: id })).rejects.toMatchObject({ cause: { code: '23514', constraint_name: 'orders_id_shape' } });
    }
  });

  it('a fixture order has an id of the shape and no credential owns it', () => {
    const order = fixtureOrder('shape');
    expect(order.id).toMatch(/^ord_[a-z0-9]{1,40}$/);
    expect(order.workflowStartedAt).toBeInstanceOf(Date);
  });
});
