import { sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import type { Database } from '../db/client';
import type { Identity } from './auth/auth';

/** How old a probe may be and still answer: requests within it share one probe, however many they are. */
const PROBE_FRESH_MS = 1_000;
/** Each dependency's share of a probe. */
const CHECK_TIMEOUT_MS = 1_000;

interface Probe {
  healthy: boolean;
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
    return { healthy: Object.values(checks).every((c) => c === 'ok'), checks, checkedAt: new Date() };
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

  return async (_req, res) => {
    const { healthy, checks, checkedAt } = await current();
    const staff = (res.locals.identity as Identity | undefined)?.role === 'staff';
    res
      .status(healthy ? 200 : 503)
      .set('cache-control', 'no-store')
      .json({ status: healthy ? 'ok' : 'degraded', ...(staff ? { checks, checkedAt: checkedAt.toISOString() } : {}) });
  };
}
