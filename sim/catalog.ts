export interface StockRow {
  sku: string;
  warehouse: string;
  onHand: number;
}

export const DEMO_STOCK: StockRow[] = [
  { sku: 'TSHIRT-BLK-M', warehouse: 'wh-east', onHand: 120 },
  { sku: 'TSHIRT-BLK-M', warehouse: 'wh-west', onHand: 80 },
  { sku: 'MUG-LOGO', warehouse: 'wh-east', onHand: 60 },
  { sku: 'MUG-LOGO', warehouse: 'wh-west', onHand: 0 },
  { sku: 'HOODIE-GRY-L', warehouse: 'wh-east', onHand: 0 },
  { sku: 'HOODIE-GRY-L', warehouse: 'wh-west', onHand: 40 },
  { sku: 'SOCKS-3PK', warehouse: 'wh-east', onHand: 200 },
  { sku: 'SOCKS-3PK', warehouse: 'wh-west', onHand: 200 },
];

/** Unit prices in cents, for docs and curl examples. */
export const DEMO_PRICES: Record<string, number> = {
  'TSHIRT-BLK-M': 2500,
  'MUG-LOGO': 1400,
  'HOODIE-GRY-L': 5900,
  'SOCKS-3PK': 1200,
};
