/** The chaos catalog: plenty of most SKUs, and a few scarce ones so some orders are rejected out of stock. */
export const CHAOS_CATALOG = [
  ...Array.from({ length: 12 }, (_, i) => ({ sku: `CHAOS-${String(i).padStart(2, '0')}`, east: 400, west: 300 })),
  { sku: 'CHAOS-SCARCE-A', east: 6, west: 0 },
  { sku: 'CHAOS-SCARCE-B', east: 0, west: 4 },
  { sku: 'CHAOS-SCARCE-C', east: 3, west: 3 },
];

export const chaosStockRows = () =>
  CHAOS_CATALOG.flatMap((c) => [
    { sku: c.sku, warehouse: 'wh-east', onHand: c.east },
    { sku: c.sku, warehouse: 'wh-west', onHand: c.west },
  ]);
