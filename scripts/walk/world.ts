import { sql } from 'drizzle-orm';
import { stock } from '../../db/schema';
import { isTerminalStatus } from '../../workflows/order/contract';
import { TERMINAL_RETURN_STATUSES } from '../../workflows/returns/contract';
import { http, type WalkEnv } from './env';
import { WAREHOUSES, type WalkSpec } from './spec';

export const SYSTEMS = ['payment', 'carrier', 'wms', 'erp', 'notifications'] as const;
export type System = (typeof SYSTEMS)[number];
/** The vendors a walk breaks through the simulators' behaviour API; e-mail breaks in Mailpit (MailChaos). */
export const SIMULATED_SYSTEMS = ['payment', 'carrier', 'wms', 'erp'] as const satisfies readonly System[];

/** The model: what the walk has done, and nothing it observed, so a replay of seed and path takes the same choices. */
export interface WalkModel {
  orders: number;
  placed: Set<number>;
}

/**
 * The real side of one walk: its SKUs, its orders' ids, the fault scopes it set (to clear them at the end) and
 * the ERP stock changes it made (to check conservation against).
 */
export class World {
  readonly skus: string[];
  readonly orderIds: (string | undefined)[] = [];
  /** Spec indices in the order they were placed: a command's order `n` is the n-th placed (mod their number). */
  readonly placementOrder: number[] = [];
  readonly faultScopes = new Set<string>();
  /** `sku@warehouse` → initial units + restocks − shrinkage, as the ERP applied them. */
  readonly expectedStock = new Map<string, number>();
  /** `sku@warehouse` → restocks − shrinkage the ERP applied. */
  readonly erpChanges = new Map<string, number>();
  /** The returns the walk's commands requested, in order (a command's return `n` is the n-th, mod their number). */
  readonly returns: { orderId: string; returnId: string }[] = [];
  returnKeys = 0;
  commandsRun = 0;

  constructor(
    readonly env: WalkEnv,
    readonly spec: WalkSpec,
    readonly walkId: string,
  ) {
    this.skus = spec.stock.map((_, k) => `W-${walkId}-${k}`.toUpperCase());
  }

  /** The walk's SKUs, stocked in the ERP and in Hotpath's working set alike. */
  async stockUp(): Promise<void> {
    const rows = this.spec.stock.flatMap((levels, k) => WAREHOUSES.map((warehouse, w) => ({ sku: this.skus[k]!, warehouse, onHand: levels[w]! })));
    const res = await http(`${this.env.simUrl}/_sim/erp/stock/batch`, { body: { rows } });
    if (res.status !== 200) throw new Error(`ERP stock: ${res.status}`);
    await this.env.db.insert(stock).values(rows.map((r) => ({ ...r, reserved: 0 })));
    for (const r of rows) this.expectedStock.set(`${r.sku}@${r.warehouse}`, r.onHand);
  }

  /** Units of a SKU the walk's orders could ask for in all: shrinkage never takes the ERP below them. */
  demandOf(k: number): number {
    return this.spec.orders.flatMap((o) => o.lines).filter((l) => l.sku === k).reduce((n, l) => n + l.quantity, 0);
  }

  orderIdAt(n: number): string | undefined {
    return this.placementOrder.length === 0 ? undefined : this.orderIds[this.placementOrder[n % this.placementOrder.length]!];
  }

  placedIds(): string[] {
    return this.orderIds.filter((id): id is string => id !== undefined);
  }

  async statuses(): Promise<Map<string, string>> {
    const ids = this.placedIds();
    if (ids.length === 0) return new Map();
    const rows = await this.env.db.execute<{ id: string; status: string }>(sql`select id, status from orders where id in ${ids}`);
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  async allEnded(): Promise<boolean> {
    const statuses = await this.statuses();
    return this.placedIds().every((id) => isTerminalStatus(statuses.get(id) ?? 'missing')) && (await this.returnsLeft()).length === 0;
  }

  /** The walk's returns that have not ended (a return waits for its receipt up to RETURN_RECEIPT_WINDOW). */
  async returnsLeft(): Promise<{ id: string; status: string }[]> {
    const ids = this.placedIds();
    if (ids.length === 0) return [];
    return this.env.db.execute<{ id: string; status: string }>(sql`select id, status from returns where order_id in ${ids} and status not in ${TERMINAL_RETURN_STATUSES}`);
  }

  /** Every vendor works again for the walk's orders, and the WMS lets go of the tasks it refused to cancel. */
  async clearFaults(): Promise<void> {
    await Promise.all(
      [...this.faultScopes].flatMap((scope) => [
        ...SIMULATED_SYSTEMS.map((system) => http(`${this.env.simUrl}/_sim/${system}/behavior?scope=${encodeURIComponent(scope)}`, { method: 'DELETE' })),
        http(`${this.env.simUrl}/_sim/wms/cancellations`, { body: { mode: 'confirm', scope } }),
      ]),
    );
    this.faultScopes.clear();
    await this.env.mail.heal(this.placedIds());
  }

  async reconcile(): Promise<number> {
    const res = await http(`${this.env.apiUrl}/admin/reconcile`, { body: { skus: this.skus }, token: this.env.staffToken, timeoutMs: 60_000 });
    return res.status;
  }
}
