import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../db/client';
import { freePort, startEmbeddedPostgres } from '../../db/embedded';
import { migrateDatabase } from '../../db/migrate';
import { vendorUrlsFor } from '../../lib/config';
import { startTemporalDevServer } from '../../lib/temporalServer';
import { startSimServer } from '../../sim/start';
import { ManagedProcess } from '../chaos/processes';
import type { WalkEnv } from './env';
import { WALK_SAGA_POLICY, WALK_VENDOR_TIMEOUT_MS } from './policy';
import { workerKiller } from './workerKiller';

const secrets = { checkout: 'walk-checkout-token', staff: 'walk-staff-token', webhook: 'walk-webhook-secret', stripeWebhook: 'whsec_walk' };

/** A whole stack for `npm run chaos -- --walks N`: Temporal, Postgres, the simulators, and a worker and an API as processes. */
export async function startWalkStack(log: (line: string) => void): Promise<{ env: WalkEnv; stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hotpath-walk-'));
  await chmod(dir, 0o755);
  const cleanups: (() => Promise<void>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const temporal = await startTemporalDevServer({ port: await freePort(), dbFilename: path.join(dir, 'temporal.db') });
    cleanups.push(() => temporal.stop());
    const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
    cleanups.push(pg.stop);
    await migrateDatabase(pg.url);
    const apiPort = await freePort();
    process.env.WMS_WEBHOOK_SECRET = secrets.webhook;
    const sim = await startSimServer(0, { wmsCallbackUrl: `http://127.0.0.1:${apiPort}/webhooks/wms`, stripeWebhookUrl: `http://127.0.0.1:${apiPort}/webhooks/stripe`, stripeWebhookSecret: secrets.stripeWebhook, initialStock: [] });
    cleanups.push(sim.close);
    const database = openDatabase(pg.url, { max: 10 });
    cleanups.push(database.close);
    const env = {
      ...process.env,
      ...vendorUrlsFor(sim.url),
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TASK_QUEUE: 'orders-walk',
      LOG_LEVEL: 'info',
      VENDOR_TIMEOUT_MS: WALK_VENDOR_TIMEOUT_MS,
      // Walks reconcile their own SKUs on demand; the schedule is the chaos run's to exercise.
      RECONCILE_EVERY_MINUTES: '1440',
      DISPATCH_AFTER_MS: '2000',
      DISPATCH_INTERVAL_MS: '1000',
      SAGA_POLICY: JSON.stringify(WALK_SAGA_POLICY),
    };
    const worker = new ManagedProcess('worker', 'worker/main.ts', { ...env, WORKER_METRICS_PORT: String(await freePort()) }, 'worker polling');
    const api = new ManagedProcess('api', 'api/server.ts', { ...env, API_PORT: String(apiPort), CHECKOUT_TOKENS: `checkout:${secrets.checkout}`, STAFF_TOKENS: `walk:${secrets.staff}`, WMS_WEBHOOK_SECRET: secrets.webhook, STRIPE_WEBHOOK_SECRET: secrets.stripeWebhook, RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000', API_METRICS_PORT: '0' }, 'api listening');
    cleanups.push(() => worker.stop(), () => api.stop());
    await Promise.all([worker.start(), api.start()]);
    return {
      env: {
        apiUrl: `http://127.0.0.1:${apiPort}`,
        simUrl: sim.url,
        db: database.db,
        staffToken: secrets.staff,
        checkoutToken: secrets.checkout,
        webhookSecret: secrets.webhook,
        runId: Date.now().toString(36),
        killWorker: workerKiller(worker, log),
        log,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
