import { sql } from 'drizzle-orm';
import type { Response } from 'express';
import type { Options } from 'express-rate-limit';
import type { Database } from '../../db/client';
import { BoundedMemoryStore } from './boundedStore';

export interface AuthFailureBudget {
  /** Wrong credentials an address may send in one window; past it they are answered 429 (a right one never is). */
  limit: number;
  windowMs: number;
  /** Addresses counted in memory at once; past it the one seen longest ago is forgotten. */
  maxAddresses?: number;
  /** Failures this process writes to Postgres in one window, all addresses together; past it they are counted in memory only. */
  maxWritesPerWindow?: number;
}

export interface FailureVerdict {
  /** The address had spent its budget: answer 429, not 401. */
  overBudget: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the budget has room again. */
  resetSeconds: number;
}

export interface AuthFailureGuard {
  /** Counts one wrong bearer token or failed sign-in from `address`. */
  recordFailure(address: string): Promise<FailureVerdict>;
}

/** The IETF RateLimit headers (draft 8, as express-rate-limit sends them for the general budget) of the failure budget. */
export function setFailureHeaders(res: Response, verdict: FailureVerdict, windowMs: number): void {
  res.append('RateLimit-Policy', `"auth-failures"; q=${verdict.limit}; w=${Math.ceil(windowMs / 1000)}`);
  res.append('RateLimit', `"auth-failures"; r=${verdict.remaining}; t=${verdict.resetSeconds}`);
}

const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - Date.now()) / 1000));

/**
 * The budget for guessing credentials: failed bearer tokens and failed console sign-ins per client address.
 * It refuses failures, never a right credential (the caller compares the credential first, in memory, and
 * comes here only when it is wrong): a neighbour behind the same NAT, or anyone naming the address in a
 * trusted X-Forwarded-For, cannot lock a working client out.
 *
 * Counted first in memory (a bounded map), so an address past its budget costs no database work at all; within
 * it, each failure is also a row in Postgres, so that every API replica enforces one shared budget. The rows
 * written by one process are capped per window too, so a flood from many addresses cannot turn into a flood of
 * transactions on the order path's pool.
 */
export function authFailureGuard(db: Database, budget: AuthFailureBudget): AuthFailureGuard {
  const windowSecs = budget.windowMs / 1000;
  const here = new BoundedMemoryStore(budget.maxAddresses ?? 100_000);
  const writes = new BoundedMemoryStore(1);
  for (const store of [here, writes]) store.init({ windowMs: budget.windowMs } as Options);
  const verdict = (failures: number, resetAt: number): FailureVerdict => ({
    overBudget: failures > budget.limit,
    limit: budget.limit,
    remaining: Math.max(0, budget.limit - failures),
    resetSeconds: secondsUntil(resetAt),
  });

  const recordShared = (address: string) =>
    db.transaction(async (tx) => {
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

  return {
    async recordFailure(address) {
      const local = here.increment(address);
      const localVerdict = verdict(local.totalHits, local.resetTime!.getTime());
      // Past the budget in this process: refused without a write.
      if (localVerdict.overBudget) return localVerdict;
      if (writes.increment('all').totalHits > (budget.maxWritesPerWindow ?? 6_000)) return localVerdict;
      // A counter that cannot be written must not turn a 401 into a 500: this process's count stands alone then.
      const shared = await recordShared(address).catch(() => undefined);
      if (!shared?.oldest) return localVerdict;
      const failures = Math.max(shared.failures, local.totalHits);
      return verdict(failures, shared.failures >= local.totalHits ? new Date(shared.oldest).getTime() + budget.windowMs : local.resetTime!.getTime());
    },
  };
}
