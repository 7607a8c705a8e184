import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest on a 2-core machine (measured in a full run, longest first), started first: on two
 * workers they then overlap the many short files instead of running alone at the end. A fresh clone has no
 * duration cache for vitest to order by; with one, the cache's order breaks the ties below.
 */
const SLOW_FILES = [
  'test/webhooks/outage.test.ts', // a two-minute receiver outage, mostly waiting
  'test/walk/walk.test.ts',
  'test/inventory/flashSale.test.ts',
  'test/order/workerCrash.test.ts',
  'test/order/cancellation.test.ts',
  'test/platform/fuzz.test.ts',
  'test/platform/supervisorLeavesNothing.test.ts',
  'test/inventory/parkedHolds.test.ts',
  'test/order/compensation.test.ts',
  'test/platform/webUiBrowser.test.ts',
  'test/order/resolveDecisions.test.ts',
  'test/platform/stateMetrics.test.ts',
  'test/webhooks/workerKill.test.ts',
  'test/replay.test.ts',
];

export default class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cached = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const at = SLOW_FILES.findIndex((slow) => file.moduleId.endsWith(slow));
      return at < 0 ? SLOW_FILES.length : at;
    };
    return [...cached].sort((a, b) => rank(a) - rank(b));
  }
}
