/**
 * `npm start`: the whole stack on embedded defaults, in one process tree. Temporal dev server (Web UI on
 * :8233, history under .data/), Postgres (DATABASE_URL, or embedded under .data/), migrations, the vendor
 * simulators, the worker and the API. Ctrl-C stops all of it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importNewStock } from '../activities/inventory/stockImport';
import { startApi } from '../api/server';
import { openDatabase } from '../db/client';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrateDatabase } from '../db/migrate';
import { loadConfig, vendorUrlsFor } from '../lib/config';
import { logger } from '../lib/logger';
import { onShutdown } from '../lib/process';
import { startTemporalDevServer } from '../lib/temporalServer';
import { startSimServer } from '../sim/start';
import { createWorker, startBackgroundDuties, vendorClients } from '../worker/createWorker';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = path.join(root, '.data');
const started = Date.now();
const stops: (() => Promise<void>)[] = [];
const stopAll = async () => {
  for (const stop of stops.reverse()) await stop().catch((err) => logger.error({ err }, 'stop failed'));
};
onShutdown(stopAll);

/** A development payload key kept under .data/, so the history of earlier runs stays readable. */
async function devPayloadKey(dir: string): Promise<string> {
  const file = path.join(dir, 'payload-keys');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const keys = `dev-1:${randomBytes(32).toString('base64')}`;
    await mkdir(dir, { recursive: true });
    await writeFile(file, `${keys}\n`, { mode: 0o600 });
    return keys;
  }
}

try {
  const base = loadConfig();
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  const temporal = process.env.TEMPORAL_ADDRESS
    ? { address: base.TEMPORAL_ADDRESS, uiUrl: process.env.TEMPORAL_UI_URL, stop: async () => {} }
    : await startTemporalDevServer({
        port: 7233,
        ui: true,
        uiPort,
        dbFilename: path.join(dataDir, 'temporal.db'),
        uiCodecEndpoint: `http://localhost:${base.API_PORT}/codec`,
        log: (l) => logger.info(l),
      });
  stops.push(temporal.stop);

  let databaseUrl = base.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres(path.join(dataDir, 'postgres'), Number(process.env.EMBEDDED_PG_PORT ?? 5433));
    stops.push(pg.stop);
    databaseUrl = pg.url;
  }
  await migrateDatabase(databaseUrl);

  // Development secrets only for this local stack; production sets its own in the environment.
  const devSecrets = { STAFF_TOKENS: 'support:dev-staff-token', CHECKOUT_TOKENS: 'checkout:dev-checkout-token', WMS_WEBHOOK_SECRET: 'dev-wms-webhook-secret', STRIPE_WEBHOOK_SECRET: 'whsec_dev_hotpath' };
  for (const [name, value] of Object.entries(devSecrets)) process.env[name] ??= value;
  process.env.PAYLOAD_KEYS ??= await devPayloadKey(dataDir);
  const sim = await startSimServer(base.SIM_PORT, {
    wmsCallbackUrl: process.env.WMS_CALLBACK_URL ?? `http://127.0.0.1:${base.API_PORT}/webhooks/wms`,
    // The simulator is Stripe here: it signs its events for the API's Stripe webhook.
    stripeWebhookUrl: process.env.STRIPE_WEBHOOK_URL ?? `http://127.0.0.1:${base.API_PORT}/webhooks/stripe`,
    stripeWebhookSecret: process.env.STRIPE_WEBHOOK_SECRET,
  });
  stops.push(sim.close);

  // With a real Stripe key (test mode), payments go to Stripe itself and the simulator serves the other vendors.
  const { STRIPE_API_BASE: simulatedStripe, ...simulatedVendors } = vendorUrlsFor(sim.url);
  const config = loadConfig({
    ...simulatedVendors,
    ...(process.env.STRIPE_API_KEY ? {} : { STRIPE_API_BASE: simulatedStripe }),
    TEMPORAL_UI_URL: temporal.uiUrl,
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
  });
  const database = openDatabase(databaseUrl);
  stops.push(database.close);
  const seeded = await importNewStock(database.db, vendorClients(config).erp);

  const { worker, connection } = await createWorker({ config, db: database.db });
  const running = worker.run();
  stops.push(await startBackgroundDuties(config, database.db));
  stops.push(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });

  const api = await startApi(config, { sagaPolicy: config.SAGA_POLICY, temporalUiUrl: config.TEMPORAL_UI_URL });
  stops.push(api.close);

  console.log(`
Hotpath is up in ${((Date.now() - started) / 1000).toFixed(1)} s${seeded ? ` (seeded ${seeded} stock rows from the ERP)` : ''}
  API              http://localhost:${config.API_PORT}
  Support console  http://localhost:${config.API_PORT}/console   (sign in with dev-staff-token; the Web UI's codec then
                   decodes payloads once "Include cross-origin credentials" is on in its codec settings)
  Metrics          ${api.metricsUrl ?? "off (API_METRICS_PORT=0)"}
  Temporal Web UI  ${temporal.uiUrl ?? '(external cluster)'}
  Temporal         ${temporal.address}
  Simulators       ${sim.url}   (POST /_sim/:system/behavior to inject faults)
  Postgres         ${databaseUrl.replace(/\/\/[^@]*@/, '//')}

Place an order:
  curl -s -X POST http://localhost:${config.API_PORT}/orders \\
    -H 'authorization: Bearer dev-checkout-token' -H 'content-type: application/json' -H "Idempotency-Key: demo-$(date +%s%N)" \\
    -d '{"customerId":"cust-1","email":"ada@example.com","currency":"USD","lines":[{"sku":"TSHIRT-BLK-M","quantity":2,"unitPriceCents":2500}],"shippingAddress":{"name":"Ada Lovelace","line1":"12 Analytical St","city":"Boston","postalCode":"02110","country":"US"},"paymentToken":"pm_card_visa"}'
Then: curl -s -H 'authorization: Bearer dev-checkout-token' http://localhost:${config.API_PORT}/orders/<orderId>

Cancel one as staff:
  curl -s -X POST http://localhost:${config.API_PORT}/orders/<orderId>/cancel -H 'authorization: Bearer dev-staff-token' \\
    -H 'content-type: application/json' -d '{"reason":"customer asked"}'

Ctrl-C stops everything.
`);
} catch (err) {
  logger.error({ err }, 'start-up failed');
  await stopAll();
  process.exit(1);
}
