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
 * Stock is mostly scarce (1–6 units) and mostly in one warehouse per SKU, so an order of several SKUs spans two
 * or three warehouses and the last units of a SKU are contested; sometimes a SKU is plentiful everywhere.
 */
const scarce = fc.integer({ min: 1, max: 6 });
const skuStock: fc.Arbitrary<[number, number, number]> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.nat(2), scarce).map(([home, n]) => [0, 1, 2].map((w) => (w === home ? n : 0)) as [number, number, number]) },
  { weight: 1, arbitrary: fc.tuple(scarce, scarce, scarce) },
  { weight: 1, arbitrary: fc.constant([30, 30, 30] as [number, number, number]) },
);

export const walkSpecArbitrary: fc.Arbitrary<WalkSpec> = fc.integer({ min: 2, max: 3 }).chain((skuCount) =>
  fc.record({
    stock: fc.array(skuStock, { minLength: skuCount, maxLength: skuCount }),
    orders: fc.array(
      fc.record({
        // 1–5 lines; the same SKU may come back on another line at another price.
        lines: fc.array(fc.record({ sku: fc.nat(skuCount - 1), quantity: fc.integer({ min: 1, max: 2 }), unitPriceCents: fc.integer({ min: 100, max: 5000 }) }), { minLength: 1, maxLength: 5 }),
        west: fc.boolean(),
        // One card in twenty is declined.
        declined: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
        resolveWith: fc.constantFrom('retry' as const, 'compensate' as const),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);
