export interface StockRow {
  sku: string;
  warehouse: string;
  onHand: number;
}

/**
 * Three warehouses, stocked so that orders span one, two or three of them: a mug ships from the east, a hoodie
 * from the west, a cap from the center; t-shirts and socks are everywhere.
 */
export const DEMO_STOCK: StockRow[] = [
  { sku: 'TSHIRT-BLK-M', warehouse: 'wh-east', onHand: 120 },
  { sku: 'TSHIRT-BLK-M', warehouse: 'wh-west', onHand: 80 },
  { sku: 'TSHIRT-BLK-M', warehouse: 'wh-central', onHand: 60 },
  { sku: 'MUG-LOGO', warehouse: 'wh-east', onHand: 60 },
  { sku: 'MUG-LOGO', warehouse: 'wh-west', onHand: 0 },
  { sku: 'MUG-LOGO', warehouse: 'wh-central', onHand: 0 },
  { sku: 'HOODIE-GRY-L', warehouse: 'wh-east', onHand: 0 },
  { sku: 'HOODIE-GRY-L', warehouse: 'wh-west', onHand: 40 },
  { sku: 'HOODIE-GRY-L', warehouse: 'wh-central', onHand: 0 },
  { sku: 'CAP-RED', warehouse: 'wh-central', onHand: 50 },
  { sku: 'SOCKS-3PK', warehouse: 'wh-east', onHand: 200 },
  { sku: 'SOCKS-3PK', warehouse: 'wh-west', onHand: 200 },
  { sku: 'SOCKS-3PK', warehouse: 'wh-central', onHand: 100 },
];

/** Unit prices in cents, for docs and curl examples. */
export const DEMO_PRICES: Record<string, number> = {
  'TSHIRT-BLK-M': 2500,
  'MUG-LOGO': 1400,
  'HOODIE-GRY-L': 5900,
  'SOCKS-3PK': 1200,
  'CAP-RED': 1800,
};
