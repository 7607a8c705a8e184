import type { StockRow } from './catalog';

/** On-hand quantity per SKU per warehouse, as the ERP believes it. */
export class StockBook {
  readonly #rows = new Map<string, StockRow>();

  constructor(initial: readonly StockRow[]) {
    for (const row of initial) this.upsert(row);
  }

  upsert(row: StockRow): StockRow {
    const stored = { sku: row.sku, warehouse: row.warehouse, onHand: row.onHand };
    this.#rows.set(`${row.sku}\u0000${row.warehouse}`, stored);
    return { ...stored };
  }

  /**
   * Units that left a warehouse, all of them: a shipment of more than the book holds leaves it negative (an
   * overdraw), as a real ledger shows it, rather than hiding the difference at zero. A SKU the book has no row
   * for is not tracked (as before).
   */
  ship(sku: string, warehouse: string, quantity: number): void {
    const row = this.#rows.get(`${sku}\u0000${warehouse}`);
    if (row) row.onHand -= quantity;
  }

  /** Units back on hand (a credit for a cancelled parcel, a receipt). */
  receive(sku: string, warehouse: string, quantity: number): void {
    const row = this.#rows.get(`${sku}\u0000${warehouse}`);
    if (row) row.onHand += quantity;
    else this.upsert({ sku, warehouse, onHand: quantity });
  }

  rows(sku?: string): StockRow[] {
    return [...this.#rows.values()].filter((row) => sku === undefined || row.sku === sku).map((row) => ({ ...row }));
  }
}
