import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { startOwnApi } from '../support/ownApi';
import { CHECKOUT_TOKEN, STAFF_TOKEN } from '../support/testPolicy';

let api: RunningApi;

describe('rate limiting', () => {
  beforeAll(async () => {
    api = await startOwnApi({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => api?.close());

  it('answers 429 with a problem past the limit, counted per credential', async () => {
    const get = (token: string) => fetch(`${api.url}/orders/ord_nothere`, { headers: { authorization: `Bearer ${token}` } });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(CHECKOUT_TOKEN)).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
    const limited = await get(CHECKOUT_TOKEN);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(limited.headers.get('ratelimit')).toBeTruthy();
    // Another credential has its own budget.
    expect((await get(STAFF_TOKEN)).status).toBe(404);
  });
});
