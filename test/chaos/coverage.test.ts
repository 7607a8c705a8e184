import { describe, expect, test } from 'vitest';
import { chaosVerdict, coverageGaps } from '../../scripts/chaos/coverage';
import { CANCEL_STAGES } from '../../scripts/chaos/staff';

/** A report that reached every case once. */
function fullReport() {
  return {
    reconciliation: { byTrigger: { schedule: 3 } as Record<string, number> },
    faults: { erp: { outages: 1, lostAnswerWindows: 1 } },
    erpStockChanges: { restocks: 1, shrinkages: 1 },
    orderShapes: { repeatedSku: 1, ordersByWarehouses: { 1: 1, 2: 1, 3: 1 } as Record<string, number>, completedWithCancelledShipments: 1 },
    staffCancellations: { byStage: Object.fromEntries(CANCEL_STAGES.map((s) => [s, { sent: 1, accepted: 1, partial: s === 'all_handed_off' ? 1 : 0 }])) },
    parked: { ordersParked: 1, resolutions: { retry: 1, compensate: 1 } },
  };
}

describe('coverageGaps', () => {
  test('a run that reached every case has no gap', () => {
    expect(coverageGaps(fullReport())).toEqual([]);
  });

  test("names the case seed 8675309 missed: a partial staff cancel", () => {
    const report = fullReport();
    report.staffCancellations.byStage.all_handed_off!.partial = 0;
    expect(coverageGaps(report)).toEqual(['partial staff cancel (some shipments refused)']);
  });

  test('names each missed case', () => {
    const report = fullReport();
    report.reconciliation.byTrigger.schedule = 1;
    report.parked.resolutions.compensate = 0;
    report.orderShapes.ordersByWarehouses[3] = 0;
    report.staffCancellations.byStage.erp_step!.sent = 0;
    expect(coverageGaps(report)).toEqual(['scheduled reconciliation runs (at least 2)', 'order spanning 3 warehouses', 'staff cancel erp_step', 'parked order resolved with compensate']);
  });
});

describe('chaosVerdict: only violations fail a run', () => {
  test('no violation, every case reached: PASS, exit 0', () => {
    const v = chaosVerdict({ accepted: 1000, violations: 0, casesNeverReached: [] });
    expect(v.exitCode).toBe(0);
    expect(v.lines).toEqual(['PASS: 1000 orders, violations = 0, cases never reached = 0']);
  });

  test('no violation, a case never reached: a WARNING, exit 0, at the default size too', () => {
    for (const accepted of [200, 1000, 5000]) {
      const v = chaosVerdict({ accepted, violations: 0, casesNeverReached: ['partial staff cancel (some shipments refused)'] });
      expect(v.exitCode).toBe(0);
      expect(v.lines[0]).toBe('WARNING: cases never reached (not a failure; see casesNeverReached): partial staff cancel (some shipments refused)');
      expect(v.lines[1]).toBe(`PASS: ${accepted} orders, violations = 0, cases never reached = 1`);
    }
  });

  test('a violation fails the run, with or without gaps', () => {
    expect(chaosVerdict({ accepted: 1000, violations: 1, casesNeverReached: [] })).toEqual({ exitCode: 1, lines: ['FAIL: 1000 orders, violations = 1, cases never reached = 0'] });
    const v = chaosVerdict({ accepted: 1000, violations: 3, casesNeverReached: ['ERP outage'] });
    expect(v.exitCode).toBe(1);
    expect(v.lines.at(-1)).toBe('FAIL: 1000 orders, violations = 3, cases never reached = 1');
  });
});
