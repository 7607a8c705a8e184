import type { Address } from '../../workflows/order/contract';

export interface StockLevel {
  sku: string;
  warehouse: string;
  available: number;
}

/** Units of one SKU to take from one warehouse. */
export interface Pick {
  sku: string;
  warehouse: string;
  quantity: number;
}

/**
 * Decides where each unit ships from. Returns the picks, or undefined when the stock cannot cover the
 * demand. Pluggable: anything with this signature can replace the default policy.
 */
export type AllocationPolicy = (demand: ReadonlyMap<string, number>, stock: readonly StockLevel[], shipTo: Address) => Pick[] | undefined;

/** Sums the quantity per SKU, so two lines of one SKU are reserved as one demand. */
export function demandBySku(lines: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const demand = new Map<string, number>();
  for (const line of lines) demand.set(line.sku, (demand.get(line.sku) ?? 0) + line.quantity);
  return demand;
}

/** A deliberately simple region table: which warehouse is nearest, by country and postal code. */
export function warehousesByDistance(shipTo: Address, warehouses: readonly string[]): string[] {
  const westFirst = ['wh-west', 'wh-central', 'wh-east'];
  const eastFirst = ['wh-east', 'wh-central', 'wh-west'];
  const firstDigit = Number.parseInt(shipTo.postalCode.trim()[0] ?? '', 10);
  const preferred = shipTo.country === 'US' && firstDigit >= 5 ? westFirst : eastFirst;
  const rank = (w: string) => {
    const i = preferred.indexOf(w);
    return i === -1 ? preferred.length : i;
  };
  return [...warehouses].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Default policy: the nearest warehouse that can ship the whole order; otherwise split, taking each
 * SKU from the nearest warehouses first, into as few warehouses as that greedy pass allows.
 */
export const nearestSingleWarehouseFirst: AllocationPolicy = (demand, stock, shipTo) => {
  const warehouses = warehousesByDistance(shipTo, [...new Set(stock.map((s) => s.warehouse))]);
  const available = (sku: string, warehouse: string) =>
    stock.find((s) => s.sku === sku && s.warehouse === warehouse)?.available ?? 0;

  const whole = warehouses.find((w) => [...demand].every(([sku, quantity]) => available(sku, w) >= quantity));
  if (whole) return [...demand].map(([sku, quantity]) => ({ sku, warehouse: whole, quantity }));

  const picks: Pick[] = [];
  for (const [sku, quantity] of demand) {
    let remaining = quantity;
    for (const warehouse of warehouses) {
      const take = Math.min(remaining, Math.max(0, available(sku, warehouse)));
      if (take > 0) picks.push({ sku, warehouse, quantity: take });
      remaining -= take;
      if (remaining === 0) break;
    }
    if (remaining > 0) return undefined;
  }
  return picks;
};
