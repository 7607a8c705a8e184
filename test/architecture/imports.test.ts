import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { config, cruiseWithRules, describeViolation, root } from './cruise';

/**
 * The house's import rules (.dependency-cruiser.cjs, docs/architecture.md): no import circle (type-only imports
 * included), no import between worker/ and api/, no import of another context past its contract file, and
 * workflow code that imports nothing non-deterministic. Pure: reads the source, starts nothing.
 */
const CODE = ['workflows', 'activities', 'api', 'worker', 'db', 'lib', 'sim', 'scripts', 'test', 'clients/ts'];

describe('the import rules', () => {
  it('hold for the whole repository', async () => {
    const result = await cruiseWithRules(CODE);
    expect(result.summary.violations.map(describeViolation)).toEqual([]);

    // Not vacuous: the cruise saw the code, and saw type-only imports as imports.
    expect(result.summary.totalCruised).toBeGreaterThan(250);
    const progress = result.modules.find((m) => m.source === 'workflows/order/progress.ts');
    const toActivities = progress?.dependencies.find((d) => d.resolved === 'activities/index.ts');
    expect(toActivities?.dependencyTypes).toContain('type-only');
    expect(result.modules.some((m) => m.source.startsWith('test/architecture/fixtures/'))).toBe(false);
  }, 120_000);

  it('report each planted violation, and only those', async () => {
    const fixtures = path.join(root, 'test/architecture/fixtures/violations');
    expect(existsSync(fixtures)).toBe(true);
    const result = await cruiseWithRules(['.'], fixtures);
    // @temporalio/client resolves into node_modules (a path that depends on the checkout): checked apart below.
    const found = result.summary.violations.filter((v) => !v.to.includes('node_modules/')).map(describeViolation).sort();

    expect(found).toEqual(
      [
        // A circle made only of type-only imports.
        'no-circular: circle/a.ts -> circle/b.ts (circle: circle/b.ts -> circle/a.ts)',
        // worker/ and api/ in both directions (the worker's import is type-only).
        'api-not-worker: api/routes.ts -> worker/loop.ts',
        'worker-not-api: worker/usesApi.ts -> api/routes.ts',
        // Another context's internals past its contract (from a context, and from a composition root).
        'contract-only: activities/shipment/carrier.ts -> activities/inventory/reservations.ts',
        'contract-only: workflows/order/orderWorkflow.ts -> activities/shipment/carrier.ts',
        'roots-through-contract-or-index: activities/index.ts -> activities/shipment/carrier.ts',
        // Workflow code importing at run time what the sandbox must not see.
        'workflows-deterministic: workflows/order/orderWorkflow.ts -> activities/shipment/carrier.ts',
        'workflows-deterministic: workflows/order/orderWorkflow.ts -> db/client.ts',
        'workflows-deterministic: workflows/order/orderWorkflow.ts -> crypto',
      ].sort(),
    );
    const clientImport = result.summary.violations.filter(
      (v) => v.rule.name === 'workflows-deterministic' && v.to.includes('@temporalio/client'),
    );
    expect(clientImport).toHaveLength(1);
  }, 120_000);

  it('name every rule the docs promise', () => {
    expect(config.forbidden.map((r) => r.name).sort()).toEqual(
      ['api-not-worker', 'contract-only', 'no-circular', 'roots-through-contract-or-index', 'worker-not-api', 'workflows-deterministic'].sort(),
    );
  });
});
