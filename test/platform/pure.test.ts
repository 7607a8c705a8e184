import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, requestHash } from '../../api/order/canonicalJson';
import { parseCredentials } from '../../lib/credentials';
import { DEFAULT_POLICY } from '../../workflows/order/policy';
import { orderWorkflowId, stepKeys } from '../../workflows/order/contract';

describe('request hashing for idempotency', () => {
  it('ignores key order and sees every value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(requestHash(reversed)).toBe(requestHash(obj));
      }),
    );
    expect(requestHash({ a: 1, b: [1, 2] })).not.toBe(requestHash({ a: 1, b: [2, 1] }));
  });
});

describe('retry policy', () => {
  it('waits 1 s → 4.5 s → 20 s → 60 s between the five attempts, the seeds’ shape', () => {
    const waits: number[] = [];
    let next = DEFAULT_POLICY.initialIntervalMs;
    for (let attempt = 1; attempt < DEFAULT_POLICY.maximumAttempts; attempt++) {
      waits.push(Math.min(next, DEFAULT_POLICY.maximumIntervalMs));
      next *= DEFAULT_POLICY.backoffCoefficient;
    }
    expect(waits.map((w) => Math.round(w / 100) / 10)).toEqual([1, 4.5, 20, 60]);
    expect(DEFAULT_POLICY.stepTimeoutMs).toBeGreaterThanOrEqual(3000);
    expect(DEFAULT_POLICY.stepTimeoutMs).toBeLessThanOrEqual(5000);
  });
});

describe('idempotency keys', () => {
  it('are the workflow id plus the step, distinct per step and shipment', () => {
    expect(orderWorkflowId('ord_1')).toBe('order-ord_1');
    const keys = [stepKeys.authorize('ord_1'), stepKeys.capture('ord_1'), stepKeys.label('ord_1', 's1'), stepKeys.label('ord_1', 's2'), stepKeys.wmsTask('ord_1', 's1'), stepKeys.erp('ord_1')];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((k) => k.startsWith('order-ord_1:'))).toBe(true);
  });
});

describe('credentials', () => {
  it('parse name:token pairs and refuse malformed ones', () => {
    expect(parseCredentials('alice:t1, bob:t:2', 'staff')).toEqual([
      { principal: 'alice', role: 'staff', token: 't1' },
      { principal: 'bob', role: 'staff', token: 't:2' },
    ]);
    expect(() => parseCredentials('nocolon', 'staff')).toThrow(/name:token/);
  });
});
