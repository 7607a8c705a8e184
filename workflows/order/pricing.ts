import type { PricedLine } from '../shipment/contract';


/**
 * Gives each shipment its units' prices: units go to shipments in line order, so the first shipment that
 * carries a SKU takes the units of the first line with that SKU, and so on. Deterministic and pure: the
 * reservation stores the result and the workflow, the ERP record and the refunds all read the same figures.
 */
export function priceShipments<S extends { lines: readonly { sku: string; quantity: number }[] }>(
  /** The order's lines (an OrderLine is a line with its price). */
  orderLines: readonly PricedLine[],
  shipments: readonly S[],
): { pricedLines: PricedLine[]; amountCents: number }[] {
  const queues = new Map<string, { quantity: number; unitPriceCents: number }[]>();
  for (const line of orderLines) {
    const queue = queues.get(line.sku) ?? [];
    queue.push({ quantity: line.quantity, unitPriceCents: line.unitPriceCents });
    queues.set(line.sku, queue);
  }
  return shipments.map((shipment) => {
    const pricedLines: PricedLine[] = [];
    for (const { sku, quantity } of shipment.lines) {
      let wanted = quantity;
      const queue = queues.get(sku) ?? [];
      while (wanted > 0) {
        const head = queue[0];
        if (!head) throw new Error(`shipment ${JSON.stringify(shipment.lines)} carries more ${sku} than the order's lines`);
        const take = Math.min(wanted, head.quantity);
        const last = pricedLines.at(-1);
        if (last && last.sku === sku && last.unitPriceCents === head.unitPriceCents) last.quantity += take;
        else pricedLines.push({ sku, quantity: take, unitPriceCents: head.unitPriceCents });
        head.quantity -= take;
        wanted -= take;
        if (head.quantity === 0) queue.shift();
      }
    }
    return { pricedLines, amountCents: pricedLines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0) };
  });
}
