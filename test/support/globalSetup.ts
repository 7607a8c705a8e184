import type { TestProject } from 'vitest/node';
import { freePort, heldPort } from '../../db/embedded';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { Stack } from '../../scripts/stack/stack';
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
 * One real stack for the whole run (scripts/stack): a Temporal dev server, a Postgres (DATABASE_URL, or an embedded
 * one), Mailpit (customer e-mail over SMTP), the vendor simulators, a worker and the API, all on free ports.
 */
export default async function setup(project: TestProject) {
  const log = (line: string) => console.log(`[setup] ${line}`);
  const started = Date.now();
  const stack = await Stack.create('test', (line) => console.error(`[teardown] ${line}`));
  await stack.boot(async () => {
    // Held until the API listens on it: Temporal and the simulators are told of it first.
    const apiPortHold = await heldPort();
    const apiPort = apiPortHold.port;
    const uiPort = await freePort();
    // The Web UI is on, as an engineer would use it, decoding payloads through the API's codec.
    const temporal = await stack.temporal({ log, ui: true, uiPort, uiCodecEndpoint: `http://localhost:${apiPort}/codec` });
    const pg = await stack.postgres({ url: process.env.DATABASE_URL });
    const databaseUrl = pg.url;

    // The WMS simulator reports shipped parcels to the API's webhook, as a real WMS would.
    process.env.WMS_WEBHOOK_SECRET = WMS_WEBHOOK_SECRET;
    // Likewise the Stripe simulator sends its signed events to the API's Stripe webhook.
    const sim = await stack.simulators({ apiPort, stripeWebhookSecret: STRIPE_WEBHOOK_SECRET });
    // No message cap: tests look their messages up by Message-ID, and duplicate detection stays off.
    const mailpit = await stack.mailpit({ log, maxMessages: 0 });

    const taskQueue = `orders-test-${process.pid}`;
    const config = loadConfig({ ...process.env, ...vendorUrlsFor(sim.url), SMTP_URL: mailpit.smtpUrl, NOTIFICATIONS_PROVIDER: 'smtp', DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE: taskQueue, LOG_LEVEL: 'error', ...TEST_API_ENV, API_METRICS_PORT: String(await freePort()), CODEC_CORS_ORIGINS: `http://localhost:8233,${temporal.uiUrl!}` });
    const database = stack.database(databaseUrl);
    // The schedules exist as in production, but far apart: tests run reconciliations on their own SKUs, and
    // retention on databases of their own.
    await stack.inProcessWorker(config, database.db, { RECONCILE_EVERY_MINUTES: 24 * 60, RETENTION_EVERY_MINUTES: 7 * 24 * 60, DISPATCH_AFTER_MS: 1000, DISPATCH_INTERVAL_MS: 500 });
    await apiPortHold.release();
    const api = await stack.inProcessApi(config, { port: apiPort, sagaPolicy: TEST_SAGA_POLICY });

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
  });
  return () => stack.stop();
}
