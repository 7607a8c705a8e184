import { sql, type SQL } from 'drizzle-orm';
import { TERMINAL_STATUSES } from '../workflows/order/contract';

/**
 * The terminal statuses as an SQL list, `('completed', 'rejected', …)` as bound parameters, built from
 * TERMINAL_STATUSES so no query spells the list out: `sql\`o.status in ${terminalStatusList()}\``.
 */
export function terminalStatusList(): SQL {
  return sql`(${sql.join(
    TERMINAL_STATUSES.map((status) => sql`${status}`),
    sql`, `,
  )})`;
}
