/**
 * A return's arithmetic, pure and deterministic: which shipment each returned unit left in, what may still be
 * returned, how a warehouse's count lands on the return's lines, and what each shipment refunds. The API plans a
 * return with it, the workflow applies the receipt with it, and test/returns/allocation.test.ts runs it without a
 * server.
 */

export const RETURN_CONDITIONS = ['resellable', 'damaged'] as const;
export type ReturnCondition = (typeof RETURN_CONDITIONS)[number];

/** One line of a return: units of one order line that left in one shipment (a line split over two shipments is two). */
export interface ReturnLine {
  /** The order line's number (1-based, in the order GET /orders/:id lists its lines). */
  lineNo: number;
  sku: string;
  quantity: number;
  unitPriceCents: number;
  shipmentId: string;
  warehouse: string;
}

/** What the warehouse counted, per SKU and condition (its `return.received` callback). */
export interface ReceivedUnits {
  sku: string;
  quantity: number;
  condition: ReturnCondition;
}

/** One return line after the receipt: how many came back resellable, damaged, and how many are missing. */
export interface ReceivedLine extends ReturnLine {
  resellable: number;
  damaged: number;
  missing: number;
}

/** A line of the request body: by its number, or by SKU when that SKU sits on one line only. */
export interface ReturnRequestLine {
  line?: number;
  sku?: string;
  quantity: number;
}

interface OrderLineIn {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

interface ShipmentIn {
  shipmentId: string;
  warehouse: string;
  status: string;
  lines: readonly { sku: string; quantity: number }[];
}

/** Units of one order line in one shipment. */
interface LineInShipment {
  lineNo: number;
  sku: string;
  unitPriceCents: number;
  shipmentId: string;
  warehouse: string;
  shipped: boolean;
  quantity: number;
}

/** A shipment's index in the order (`…-s1`, `…-s2`, … `…-s10`): the order its units were priced in. */
const shipmentIndex = (shipmentId: string) => Number(/-s(\d+)$/.exec(shipmentId)?.[1] ?? Number.MAX_SAFE_INTEGER);

/**
 * Which order line each shipment's units came from, as the order's pricing gave them out (workflows/order/pricing.ts):
 * shipments in their order, and within a SKU the units of the first line with that SKU first.
 */
export function unitsByLineAndShipment(orderLines: readonly OrderLineIn[], shipments: readonly ShipmentIn[]): LineInShipment[] {
  const queues = new Map<string, { lineNo: number; left: number; unitPriceCents: number }[]>();
  for (const line of [...orderLines].sort((a, b) => a.lineNo - b.lineNo)) {
    const queue = queues.get(line.sku) ?? [];
    queue.push({ lineNo: line.lineNo, left: line.quantity, unitPriceCents: line.unitPriceCents });
    queues.set(line.sku, queue);
  }
  const out: LineInShipment[] = [];
  // Cancelled shipments were priced too (at reservation): they take their units from the queues like the others.
  for (const shipment of [...shipments].sort((a, b) => shipmentIndex(a.shipmentId) - shipmentIndex(b.shipmentId))) {
    for (const { sku, quantity } of shipment.lines) {
      let wanted = quantity;
      const queue = queues.get(sku) ?? [];
      while (wanted > 0 && queue.length > 0) {
        const head = queue[0]!;
        const take = Math.min(wanted, head.left);
        out.push({ lineNo: head.lineNo, sku, unitPriceCents: head.unitPriceCents, shipmentId: shipment.shipmentId, warehouse: shipment.warehouse, shipped: shipment.status === 'shipped', quantity: take });
        head.left -= take;
        wanted -= take;
        if (head.left === 0) queue.shift();
      }
    }
  }
  return out;
}

export type ReturnPlanRefusal =
  | { status: 422; field: string; detail: string; choices?: number[] }
  | { status: 409; field: string; detail: string; line: number; sku: string; shipped: number; returning: number; requested: number; returnable: number };

export type ReturnPlan = { ok: true; lines: ReturnLine[] } | { ok: false; refusal: ReturnPlanRefusal };

/**
 * Plans a return: each requested line is found (by number, or by a SKU that sits on one line only), its quantity
 * checked against what shipped minus what is already returning or returned (`alreadyReturned`, per line and
 * shipment), and split over the shipments it left in, earliest first.
 */
export function planReturnLines(
  orderLines: readonly OrderLineIn[],
  shipments: readonly ShipmentIn[],
  alreadyReturned: readonly { lineNo: number; shipmentId: string; quantity: number }[],
  request: readonly ReturnRequestLine[],
): ReturnPlan {
  const wanted = new Map<number, number>();
  for (const [i, line] of request.entries()) {
    let lineNo: number;
    if (line.line !== undefined) {
      if (!orderLines.some((l) => l.lineNo === line.line)) {
        return { ok: false, refusal: { status: 422, field: `lines[${i}].line`, detail: `lines[${i}].line: the order has no line ${line.line} (lines 1-${orderLines.length})` } };
      }
      if (line.sku !== undefined && orderLines.find((l) => l.lineNo === line.line)!.sku !== line.sku) {
        return { ok: false, refusal: { status: 422, field: `lines[${i}].sku`, detail: `lines[${i}].sku: line ${line.line} is ${orderLines.find((l) => l.lineNo === line.line)!.sku}, not ${line.sku}` } };
      }
      lineNo = line.line;
    } else {
      const matches = orderLines.filter((l) => l.sku === line.sku).map((l) => l.lineNo);
      if (matches.length === 0) return { ok: false, refusal: { status: 422, field: `lines[${i}].sku`, detail: `lines[${i}].sku: the order has no line of ${line.sku}` } };
      if (matches.length > 1) {
        return { ok: false, refusal: { status: 422, field: `lines[${i}].sku`, detail: `lines[${i}].sku: ${line.sku} sits on lines ${matches.join(' and ')}: name the line by its number`, choices: matches } };
      }
      lineNo = matches[0]!;
    }
    wanted.set(lineNo, (wanted.get(lineNo) ?? 0) + line.quantity);
  }

  const units = unitsByLineAndShipment(orderLines, shipments);
  const returnedIn = (lineNo: number, shipmentId: string) => alreadyReturned.filter((r) => r.lineNo === lineNo && r.shipmentId === shipmentId).reduce((n, r) => n + r.quantity, 0);
  const lines: ReturnLine[] = [];
  for (const [lineNo, quantity] of [...wanted.entries()].sort((a, b) => a[0] - b[0])) {
    const orderLine = orderLines.find((l) => l.lineNo === lineNo)!;
    const parts = units.filter((u) => u.lineNo === lineNo && u.shipped);
    const shipped = parts.reduce((n, u) => n + u.quantity, 0);
    const returning = parts.reduce((n, u) => n + returnedIn(lineNo, u.shipmentId), 0);
    const returnable = shipped - returning;
    if (quantity > returnable) {
      const i = request.findIndex((r) => (r.line ?? orderLines.find((l) => l.sku === r.sku)?.lineNo) === lineNo);
      const detail =
        shipped === 0
          ? `lines[${i}].quantity: line ${lineNo} (${orderLine.sku}) has not shipped: nothing of it can be returned yet`
          : `lines[${i}].quantity: line ${lineNo} (${orderLine.sku}) shipped ${shipped}, ${returning} returning or returned: at most ${returnable} can be returned, not ${quantity}`;
      return { ok: false, refusal: { status: 409, field: `lines[${i}].quantity`, detail, line: lineNo, sku: orderLine.sku, shipped, returning, requested: quantity, returnable } };
    }
    let left = quantity;
    for (const part of parts) {
      const take = Math.min(left, part.quantity - returnedIn(lineNo, part.shipmentId));
      if (take <= 0) continue;
      const same = lines.find((l) => l.lineNo === lineNo && l.shipmentId === part.shipmentId);
      if (same) same.quantity += take;
      else lines.push({ lineNo, sku: part.sku, quantity: take, unitPriceCents: part.unitPriceCents, shipmentId: part.shipmentId, warehouse: part.warehouse });
      left -= take;
      if (left === 0) break;
    }
  }
  return { ok: true, lines };
}

/**
 * Lands the warehouse's count on the return's lines: units of a SKU fill its lines in order, resellable first as
 * counted; units beyond what the return expected are reported as unexpected (never refunded), units not counted
 * are missing.
 */
export function applyReceipt(lines: readonly ReturnLine[], received: readonly ReceivedUnits[]): { lines: ReceivedLine[]; unexpected: ReceivedUnits[] } {
  const out: ReceivedLine[] = lines.map((l) => ({ ...l, resellable: 0, damaged: 0, missing: 0 }));
  const unexpected: ReceivedUnits[] = [];
  for (const units of received) {
    let left = units.quantity;
    for (const line of out) {
      if (left === 0) break;
      if (line.sku !== units.sku) continue;
      const room = line.quantity - line.resellable - line.damaged;
      const take = Math.min(room, left);
      if (take <= 0) continue;
      line[units.condition] += take;
      left -= take;
    }
    if (left > 0) unexpected.push({ ...units, quantity: left });
  }
  for (const line of out) line.missing = line.quantity - line.resellable - line.damaged;
  return { lines: out, unexpected };
}

/** What one shipment gives back for a return: its received units at the prices of their lines. */
export interface ShipmentRefund {
  shipmentId: string;
  warehouse: string;
  amountCents: number;
  resellable: { sku: string; quantity: number; unitPriceCents: number }[];
  damaged: { sku: string; quantity: number; unitPriceCents: number }[];
}

/**
 * Per shipment: the received units (resellable and damaged alike: the customer sent them back) at their lines'
 * prices. Prices are whole minor units per unit, tax included as the order was charged, so a refund of n units
 * is exactly n × the unit price, with nothing to round. The refund is capped at the shipment's captured minus
 * refunded by the activity that moves the money (`capRefund`).
 */
export function refundPlan(received: readonly ReceivedLine[]): ShipmentRefund[] {
  const byShipment = new Map<string, ShipmentRefund>();
  for (const line of received) {
    const plan = byShipment.get(line.shipmentId) ?? { shipmentId: line.shipmentId, warehouse: line.warehouse, amountCents: 0, resellable: [], damaged: [] };
    plan.amountCents += (line.resellable + line.damaged) * line.unitPriceCents;
    if (line.resellable > 0) plan.resellable.push({ sku: line.sku, quantity: line.resellable, unitPriceCents: line.unitPriceCents });
    if (line.damaged > 0) plan.damaged.push({ sku: line.sku, quantity: line.damaged, unitPriceCents: line.unitPriceCents });
    byShipment.set(line.shipmentId, plan);
  }
  return [...byShipment.values()].sort((a, b) => shipmentIndex(a.shipmentId) - shipmentIndex(b.shipmentId));
}

/** Never more than the shipment's captured minus refunded: the books' figure, read when the refund is made. */
export function capRefund(wantedCents: number, shipment: { capturedCents: number; refundedCents: number }): number {
  return Math.max(0, Math.min(wantedCents, shipment.capturedCents - shipment.refundedCents));
}
