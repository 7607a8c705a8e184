import { afterEach, expect } from 'vitest';
import { ledgerViolations } from '../../scripts/invariants/ledger';
import { testDb } from './stack';

/**
 * After every test, across the whole database: the ledger invariants chaos and the walks check too
 * (scripts/invariants/ledger.ts) — held stock equals the holds of live orders, every ended order's money balances,
 * per shipment and in all, and every order's webhook events are numbered without a gap. A test that leaves one broken fails.
 */
afterEach(async () => {
  // Tests replay workflow versions from before per-shipment money: their orders' shipments carry no priced lines.
  const violations = await ledgerViolations(testDb(), { legacyOrders: true });
  expect(violations, violations.map((v) => `${v.invariant}: ${v.detail}`).join('\n')).toEqual([]);
});
