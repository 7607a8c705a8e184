import { sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import type { Database } from '../db/client';
import type { Identity } from './auth/auth';
import { Problem } from './problem';

/** What a probe checks; `?need=` names the ones that decide 200 or 503. */
export const HEALTH_CHECKS = ['postgres', 'temporal'] as const;

/** How old a probe may be and still answer: requests within it share one probe, however many they are. */
const PROBE_FRESH_MS = 1_000;
/** Each dependency's share of a probe. */
const CHECK_TIMEOUT_MS = 1_000;

interface Probe {
  /** `ok`, or what went wrong (error text: host names, auth errors), for staff only. */
  checks: Record<string, string>;
  checkedAt: Date;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * GET /healthz: Postgres and Temporal reachability, from a probe that runs at most once a second whatever the
 * request rate (concurrent requests wait on the same one), so an anonymous caller costs a cached read. An
 * anonymous caller (a load balancer) learns up or down; staff also get each check and its error text.
 */
export function healthRoute(deps: { db: Database; client: Client }): RequestHandler {
  let last: Probe | undefined;
  let running: Promise<Probe> | undefined;

  const probe = async (): Promise<Probe> => {
    const checks: Record<string, string> = {};
    await Promise.all([
      withTimeout(deps.db.execute(sql`select 1`), CHECK_TIMEOUT_MS, 'Postgres').then(
        () => (checks.postgres = 'ok'),
        (err: Error) => (checks.postgres = err.message),
      ),
      deps.client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => deps.client.workflowService.getSystemInfo({})).then(
        () => (checks.temporal = 'ok'),
        (err: Error) => (checks.temporal = err.message),
      ),
    ]);
    return { checks, checkedAt: new Date() };
  };

  const current = (): Promise<Probe> => {
    if (last && Date.now() - last.checkedAt.getTime() < PROBE_FRESH_MS) return Promise.resolve(last);
    running ??= probe().then((result) => {
      last = result;
      running = undefined;
      return result;
    });
    return running;
  };

  return async (req, res) => {
    // `?need=postgres` judges by Postgres alone: the hot path accepts orders while Temporal is down (the dispatcher
    // starts their sagas later), so a readiness probe must not take every replica out with Temporal. `?need=`
    // (empty) judges by nothing: the process answers, which is all a liveness probe should ask. Default: all.
    const need = typeof req.query.need === 'string' ? req.query.need.split(',').map((n) => n.trim()).filter(Boolean) : [...HEALTH_CHECKS];
    const unknown = need.filter((n) => !(HEALTH_CHECKS as readonly string[]).includes(n));
    if (unknown.length) throw new Problem(400, 'Invalid input', `query need: unknown check ${unknown.join(', ')} (${HEALTH_CHECKS.join(', ')})`, { issues: [{ field: 'query need', message: `one or more of ${HEALTH_CHECKS.join(', ')}` }] });
    const { checks, checkedAt } = await current();
    const healthy = need.every((n) => checks[n] === 'ok');
    const staff = (res.locals.identity as Identity | undefined)?.role === 'staff';
    res
      .status(healthy ? 200 : 503)
      .set('cache-control', 'no-store')
      .json({ status: healthy ? 'ok' : 'degraded', ...(staff ? { checks, checkedAt: checkedAt.toISOString() } : {}) });
  };
}
