import { describe, expect, test } from 'vitest';
import { CHAOS_CATALOG } from '../../scripts/chaos/catalog';
import { answerReaches, arrangementsFor, STEERED_CASES, STEERED_LINES, steeredAct, steeringPlan, STEERING_WINDOWS, TWICE_FROM } from '../../scripts/chaos/steering';

const warehousesOf = (lines: { sku: string }[]) => {
  const single = lines.map((l) => CHAOS_CATALOG.find((c) => c.sku === l.sku)!).map((c) => Object.entries(c.stock).filter(([, n]) => n > 0));
  return single.every((w) => w.length === 1) ? new Set(single.map((w) => w[0]![0])).size : 1;
};

describe('steeringPlan: which orders are steered to which case', () => {
  test('the default size (1000): every case twice, once in each window, at distinct indices', () => {
    const plan = steeringPlan(8675309, 1000);
    expect(plan).toHaveLength(STEERED_CASES.length * 2);
    expect(new Set(plan.map((s) => s.index)).size).toBe(plan.length);
    for (const steered of STEERED_CASES) {
      const mine = plan.filter((s) => s.case === steered);
      expect(mine.map((s) => s.instance).sort()).toEqual([0, 1]);
      for (const s of mine) {
        const [a, b] = STEERING_WINDOWS[s.instance]!;
        expect(s.index).toBeGreaterThanOrEqual(Math.floor(1000 * a));
        expect(s.index).toBeLessThan(Math.ceil(1000 * b));
        expect(s.lines).toEqual(STEERED_LINES[steered]);
      }
    }
    expect(plan.map((s) => s.index)).toEqual([...plan.map((s) => s.index)].sort((x, y) => x - y));
  });

  test('the same seed and size give the same plan; another seed another one', () => {
    expect(steeringPlan(8675309, 1000)).toEqual(steeringPlan(8675309, 1000));
    expect(steeringPlan(1, 200)).toEqual(steeringPlan(1, 200));
    expect(steeringPlan(8675309, 1000).map((s) => s.index)).not.toEqual(steeringPlan(8675310, 1000).map((s) => s.index));
  });

  test("CI's size (200 orders): every case once, in the first window", () => {
    const plan = steeringPlan(1, 200);
    expect(plan.map((s) => s.case).sort()).toEqual([...STEERED_CASES].sort());
    for (const s of plan) expect(s.index).toBeGreaterThanOrEqual(4), expect(s.index).toBeLessThan(20);
    expect(TWICE_FROM).toBeGreaterThan(200);
  });

  test('a run too small for its windows uses any free index; fewer orders than cases steer only the first cases', () => {
    const ten = steeringPlan(7, 10);
    expect(ten).toHaveLength(STEERED_CASES.length);
    expect(new Set(ten.map((s) => s.index)).size).toBe(ten.length);
    for (const s of ten) expect(s.index).toBeGreaterThanOrEqual(0), expect(s.index).toBeLessThan(10);
    const three = steeringPlan(7, 3);
    expect(three.map((s) => s.case).sort()).toEqual(STEERED_CASES.slice(0, 3).sort());
    expect(steeringPlan(7, 0)).toEqual([]);
  });

  test('for the seed of issue 21 (8675309) at the default size', () => {
    expect(steeringPlan(8675309, 1000).map((s) => `${s.index}:${s.case}`)).toEqual([
      '37:partial_cancel_partly_handed_off',
      '61:park_then_retry',
      '63:cancel_after_a_shipment_shipped',
      '68:cancel_one_before_handoff',
      '72:cancel_at_erp_step',
      '78:partial_cancel_all_handed_off',
      '90:park_then_cancel',
      '98:park_then_compensate',
      '124:park_then_retry',
      '129:park_then_compensate',
      '137:partial_cancel_partly_handed_off',
      '152:park_then_cancel',
      '154:cancel_at_erp_step',
      '157:cancel_one_before_handoff',
      '187:partial_cancel_all_handed_off',
      '193:cancel_after_a_shipment_shipped',
    ]);
  });
});

describe('the steered shapes give each case the shipments it needs', () => {
  test('one, two and three warehouses; a repeated SKU', () => {
    expect(warehousesOf(STEERED_LINES.partial_cancel_all_handed_off)).toBe(2);
    expect(warehousesOf(STEERED_LINES.partial_cancel_partly_handed_off)).toBe(3);
    expect(warehousesOf(STEERED_LINES.cancel_one_before_handoff)).toBe(2);
    expect(warehousesOf(STEERED_LINES.cancel_after_a_shipment_shipped)).toBe(2);
    const repeated = STEERED_LINES.park_then_compensate.map((l) => l.sku);
    expect(new Set(repeated).size).toBeLessThan(repeated.length);
    // Never a SKU whose ERP stock changes during the run (its figures are checked apart), nor a scarce one.
    for (const lines of Object.values(STEERED_LINES)) for (const l of lines) expect(l.sku).not.toMatch(/SCARCE|CHAOS-0[012]$/);
  });

  test('vendor rules are scoped to the steered order or one of its shipments', () => {
    expect(arrangementsFor('park_then_retry', 'ord_x')).toEqual([{ system: 'carrier', scope: 'ord_x', rule: { outage: true } }]);
    expect(arrangementsFor('partial_cancel_partly_handed_off', 'ord_x')[0]!.scope).toBe('ord_x-s1');
    expect(arrangementsFor('cancel_after_a_shipment_shipped', 'ord_x')[0]!.scope).toBe('ord_x-s2');
    expect(arrangementsFor('cancel_at_erp_step', 'ord_x')).toEqual([{ system: 'erp', scope: 'ord_x', rule: { outage: true } }]);
    // A slowdown stays under the vendor client's 3 s timeout, and a held-back step under the 6 attempts that park it.
    for (const steered of STEERED_CASES) {
      for (const a of arrangementsFor(steered, 'ord_x')) {
        expect((a.rule.latencyMs as number | undefined) ?? 0).toBeLessThanOrEqual(1_000);
        expect((a.rule.failNext as number | undefined) ?? 0).toBeLessThan(6);
      }
    }
  });
});

describe('steeredAct: what staff do with a steered order as they see it', () => {
  const order = (status: string, ...shipments: string[]) => ({ status, shipments: shipments.map((s, i) => ({ shipmentId: `o-s${i + 1}`, status: s })) });

  test('park cases wait for the park, then resolve or cancel', () => {
    expect(steeredAct('park_then_retry', order('reserved', 'allocated'))).toBe('wait');
    expect(steeredAct('park_then_retry', order('needs_attention', 'allocated'))).toEqual({ kind: 'resolve', action: 'retry' });
    expect(steeredAct('park_then_compensate', order('needs_attention', 'allocated'))).toEqual({ kind: 'resolve', action: 'compensate' });
    expect(steeredAct('park_then_compensate', order('needs_attention', 'shipped', 'allocated'))).toBe('missed');
    expect(steeredAct('park_then_cancel', order('needs_attention', 'allocated'))).toEqual({ kind: 'cancel' });
  });

  test('partial cancels refuse a handed-off shipment at their stage, or one stage late', () => {
    expect(steeredAct('partial_cancel_all_handed_off', order('reserved', 'handed_off', 'allocated'))).toBe('wait');
    expect(steeredAct('partial_cancel_all_handed_off', order('reserved', 'handed_off', 'handed_off'))).toEqual({ kind: 'cancel', refuse: 'o-s1' });
    expect(steeredAct('partial_cancel_all_handed_off', order('captured', 'handed_off', 'handed_off'))).toEqual({ kind: 'cancel', refuse: 'o-s1' });
    expect(steeredAct('partial_cancel_partly_handed_off', order('reserved', 'allocated', 'handed_off', 'handed_off'))).toEqual({ kind: 'cancel', refuse: 'o-s2' });
    expect(steeredAct('partial_cancel_partly_handed_off', order('reserved', 'allocated', 'allocated', 'allocated'))).toBe('wait');
    expect(steeredAct('partial_cancel_partly_handed_off', order('completed', 'shipped', 'shipped', 'shipped'))).toBe('missed');
  });

  test('a named cancel before the handoff, a cancel after a parcel shipped, a cancel at the ERP step', () => {
    expect(steeredAct('cancel_one_before_handoff', order('received'))).toBe('wait');
    expect(steeredAct('cancel_one_before_handoff', order('reserved', 'allocated', 'allocated'))).toEqual({ kind: 'cancel', named: 'o-s2' });
    expect(steeredAct('cancel_one_before_handoff', order('reserved', 'handed_off', 'allocated'))).toBe('missed');
    expect(steeredAct('cancel_after_a_shipment_shipped', order('reserved', 'handed_off', 'allocated'))).toBe('ship_one');
    expect(steeredAct('cancel_after_a_shipment_shipped', order('reserved', 'shipped', 'allocated'))).toEqual({ kind: 'cancel' });
    expect(steeredAct('cancel_at_erp_step', order('reserved', 'handed_off'))).toBe('wait');
    expect(steeredAct('cancel_at_erp_step', order('captured', 'handed_off'))).toEqual({ kind: 'cancel' });
    expect(steeredAct('cancel_at_erp_step', order('needs_attention', 'handed_off'))).toBe('wait');
    expect(steeredAct('cancel_at_erp_step', order('completed', 'shipped'))).toBe('missed');
  });

  test('a partial cancel is reached only by a 202 with a refusal', () => {
    expect(answerReaches('partial_cancel_all_handed_off', 202, 1)).toBe(true);
    expect(answerReaches('partial_cancel_all_handed_off', 202, 0)).toBe(false);
    expect(answerReaches('partial_cancel_partly_handed_off', 409, 2)).toBe(false);
    expect(answerReaches('cancel_at_erp_step', 202, 0)).toBe(true);
  });
});
