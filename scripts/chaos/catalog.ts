/**
 * The chaos catalog, in three warehouses: plenty of most SKUs everywhere, some only in one warehouse (so an
 * order of several lines spans two or three), and a few scarce ones so some orders are rejected out of stock.
 */
export const CHAOS_WAREHOUSES = ['wh-east', 'wh-central', 'wh-west'] as const;

export const CHAOS_CATALOG: { sku: string; stock: Record<(typeof CHAOS_WAREHOUSES)[number], number> }[] = [
  ...Array.from({ length: 9 }, (_, i) => ({ sku: `CHAOS-${String(i).padStart(2, '0')}`, stock: { 'wh-east': 400, 'wh-central': 200, 'wh-west': 300 } })),
  { sku: 'CHAOS-EAST-ONLY', stock: { 'wh-east': 500, 'wh-central': 0, 'wh-west': 0 } },
  { sku: 'CHAOS-CENTRAL-ONLY', stock: { 'wh-east': 0, 'wh-central': 500, 'wh-west': 0 } },
  { sku: 'CHAOS-WEST-ONLY', stock: { 'wh-east': 0, 'wh-central': 0, 'wh-west': 500 } },
  { sku: 'CHAOS-SCARCE-A', stock: { 'wh-east': 6, 'wh-central': 0, 'wh-west': 0 } },
  { sku: 'CHAOS-SCARCE-B', stock: { 'wh-east': 0, 'wh-central': 2, 'wh-west': 4 } },
  { sku: 'CHAOS-SCARCE-C', stock: { 'wh-east': 3, 'wh-central': 1, 'wh-west': 3 } },
];

export const chaosStockRows = () => CHAOS_CATALOG.flatMap((c) => CHAOS_WAREHOUSES.map((warehouse) => ({ sku: c.sku, warehouse, onHand: c.stock[warehouse] })));
