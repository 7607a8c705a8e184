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

/**
 * The terminal statuses as an SQL list of literals, `('completed', 'rejected', …)`: for a partial index's predicate
 * (db/schema.ts) and the queries that must match it, since the planner can use such an index only for a query
 * whose own list it can read. The statuses are the code's constants, never input.
 */
export function terminalStatusLiterals(): SQL {
  return sql.raw(`(${TERMINAL_STATUSES.map((status) => `'${status.replace(/'/g, "''")}'`).join(', ')})`);
}
