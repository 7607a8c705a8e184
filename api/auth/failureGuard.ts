import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

export interface AuthFailureBudget {
  /** Failed credentials an address may send in one window before every credential it sends is refused. */
  limit: number;
  windowMs: number;
}

export interface AuthFailureGuard {
  /** Seconds until the address may try again, when this process already knows it is over its budget. */
  blockedHere(address: string): number | undefined;
  /** The same, asked of Postgres (every replica's failures): for sign-ins, where a read per attempt is cheap. */
  blockedAnywhere(address: string): Promise<number | undefined>;
  /**
   * Counts one failure. `overBudget` when the address had already spent its budget (another replica let the
   * attempt through): the attempt is then refused as too many rather than as a wrong credential.
   */
  recordFailure(address: string): Promise<{ overBudget: boolean; retryAfterSeconds?: number }>;
}

/**
 * The strict budget for guessing credentials: failed bearer tokens and failed console sign-ins per client
 * address, counted in Postgres (a sliding window over one row per failure), so every API replica enforces one
 * shared budget. Only failures write; a request with a valid credential reads nothing here unless this process
 * has already seen its address spend the budget.
 */
export function authFailureGuard(db: Database, budget: AuthFailureBudget): AuthFailureGuard {
  const blockedUntil = new Map<string, number>();
  const windowSecs = budget.windowMs / 1000;

  const remember = (address: string, oldestFailure: Date | null, failures: number): number | undefined => {
    if (failures < budget.limit || !oldestFailure) return undefined;
    const until = oldestFailure.getTime() + budget.windowMs;
    blockedUntil.set(address, until);
    return Math.max(1, Math.ceil((until - Date.now()) / 1000));
  };

  return {
    blockedHere(address) {
      const until = blockedUntil.get(address);
      if (until === undefined) return undefined;
      if (until <= Date.now()) {
        blockedUntil.delete(address);
        return undefined;
      }
      return Math.ceil((until - Date.now()) / 1000);
    },

    async blockedAnywhere(address) {
      const [row] = await db.execute<{ failures: number; oldest: string | null }>(sql`
        select count(*)::int as failures, min(at) as oldest from auth_failures
        where address = ${address} and at > now() - make_interval(secs => ${windowSecs})`);
      return remember(address, row?.oldest ? new Date(row.oldest) : null, row?.failures ?? 0);
    },

    async recordFailure(address) {
      const row = await db.transaction(async (tx) => {
        // One address's failures are counted one at a time, so concurrent guesses cannot all see room left.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`auth_failures:${address}`}))`);
        await tx.execute(sql`delete from auth_failures where address = ${address} and at <= now() - make_interval(secs => ${windowSecs})`);
        // Addresses that stopped failing leave rows behind; now and then sweep everyone's expired ones.
        if (Math.random() < 0.02) await tx.execute(sql`delete from auth_failures where at <= now() - make_interval(secs => ${windowSecs})`);
        await tx.execute(sql`insert into auth_failures (address, at) values (${address}, clock_timestamp())`);
        const [counted] = await tx.execute<{ failures: number; oldest: string | null }>(sql`
          select count(*)::int as failures, min(at) as oldest from auth_failures
          where address = ${address} and at > now() - make_interval(secs => ${windowSecs})`);
        return counted;
      });
      const failures = row?.failures ?? 0;
      return { overBudget: failures > budget.limit, retryAfterSeconds: remember(address, row?.oldest ? new Date(row.oldest) : null, failures) };
    },
  };
}
