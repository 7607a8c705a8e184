import fc from 'fast-check';

/** The warehouses of the walk's stock, in the allocator's order for an east-coast address. */
export const WAREHOUSES = ['wh-east', 'wh-central', 'wh-west'] as const;

export interface OrderSpec {
  lines: { sku: number; quantity: number; unitPriceCents: number }[];
  /** Ship to Seattle (west warehouses first) rather than Boston. */
  west: boolean;
  declined: boolean;
  /** What the walk's staff decide when they find the order parked at the end. */
  resolveWith: 'retry' | 'compensate';
}

/** One walk's world: 2–3 SKUs of its own, their stock per warehouse, and the 1–3 orders it may place. */
export interface WalkSpec {
  stock: [number, number, number][];
  orders: OrderSpec[];
}

/**
 * Stock is mostly scarce (0–4 units per warehouse) and often in one warehouse only, so orders span warehouses
 * and the last units of a SKU are contested; sometimes plenty (30).
 */
const level = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 2, arbitrary: fc.constant(30) });

export const walkSpecArbitrary: fc.Arbitrary<WalkSpec> = fc.integer({ min: 2, max: 3 }).chain((skuCount) =>
  fc.record({
    stock: fc.array(fc.tuple(level, level, level), { minLength: skuCount, maxLength: skuCount }),
    orders: fc.array(
      fc.record({
        // 1–5 lines; the same SKU may come back on another line at another price.
        lines: fc.array(fc.record({ sku: fc.nat(skuCount - 1), quantity: fc.integer({ min: 1, max: 3 }), unitPriceCents: fc.integer({ min: 100, max: 5000 }) }), { minLength: 1, maxLength: 5 }),
        west: fc.boolean(),
        // One card in twenty is declined.
        declined: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
        resolveWith: fc.constantFrom('retry' as const, 'compensate' as const),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);
