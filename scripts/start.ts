/**
 * `npm start`: the whole stack as separate OS processes under one supervisor, as production runs it: a Temporal
 * dev server (Web UI on :8233, history under .data/), Postgres (DATABASE_URL, or embedded under .data/), Mailpit
 * (the customers' inbox on :8025, unless SMTP_URL names a mail server), the vendor simulators, one dispatcher, WORKERS workers and the API. Each line of output carries its process's name; a process
 * that dies is restarted with backoff; Ctrl-C stops everything. The roles and their environment: supervisor/roles.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importNewStock } from '../activities/inventory/stockImport';
import { openDatabase } from '../db/client';
import { createHotpathDatabase, prepareEmbeddedPostgres } from '../db/embedded';
import { migrateDatabase } from '../db/migrate';
import { loadConfig, vendorUrlsFor } from '../lib/config';
import { Supervisor } from '../lib/supervisor/supervisor';
import { resolveMailpit } from '../lib/mailpit';
import { resolveTemporalCli } from '../lib/temporalCli';
import { erpPort } from '../worker/vendors';
import { lowerBackendPriority } from './supervisor/backendPriority';
import { portConflicts } from '../lib/childProcess/portHolder';
import { applicationRoles, BACKGROUND_PG_APPS, databaseUrl, infrastructureRoles, mailpitRole, mailpitUiUrl, plannedPorts, simulatorRole, smtpUrl, temporalAddress, temporalUiUrl, type StackPlan } from './supervisor/roles';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = path.resolve(process.env.HOTPATH_DATA_DIR ?? path.join(root, '.data'));
const started = Date.now();

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

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function planStack(): StackPlan {
  const base = loadConfig();
  const temporal: StackPlan['temporal'] = process.env.TEMPORAL_ADDRESS
    ? { address: base.TEMPORAL_ADDRESS }
    : (() => {
        const cli = resolveTemporalCli({ build: true, log: (line) => supervisor.log(line) });
        if (!cli) throw new Error('no temporal CLI: run `npm run setup` (builds it with Go), or set TEMPORAL_CLI_PATH or TEMPORAL_ADDRESS');
        return { cli: cli.path, port: positiveInt('TEMPORAL_PORT', 7233), uiPort: positiveInt('TEMPORAL_UI_PORT', 8233) };
      })();
  const mailpit: StackPlan['mailpit'] = base.SMTP_URL
    ? { smtpUrl: base.SMTP_URL }
    : (() => {
        const binary = resolveMailpit({ build: true, log: (line) => supervisor.log(line) });
        if (!binary) throw new Error('no mailpit: run `npm run setup` (builds it with Go), or set MAILPIT_PATH, or SMTP_URL to a mail server of your own');
        return { binary: binary.path, smtpPort: positiveInt('MAILPIT_SMTP_PORT', 1025), uiPort: positiveInt('MAILPIT_UI_PORT', 8025) };
      })();
  const workers = positiveInt('WORKERS', 1);
  if (workers < 1) throw new Error('WORKERS must be at least 1');
  return {
    root,
    dataDir,
    temporal,
    postgres: base.DATABASE_URL ? { url: base.DATABASE_URL } : { port: positiveInt('EMBEDDED_PG_PORT', 5433) },
    mailpit,
    apiPort: base.API_PORT,
    simPort: base.SIM_PORT,
    workers,
    workerMetricsPortBase: base.WORKER_METRICS_PORT || 9464,
    backgroundNice: positiveInt('BACKGROUND_NICE', 10),
    payloadKeys: process.env.PAYLOAD_KEYS ?? '',
  };
}

/** A port already taken stops the start-up at once, naming the process that holds it (not "temporal keeps dying" later). */
async function portsAreFree(plan: StackPlan): Promise<void> {
  const conflicts = await portConflicts(plannedPorts(plan, loadConfig().API_METRICS_PORT, loadConfig().DISPATCHER_METRICS_PORT));
  if (conflicts.length > 0) throw new Error(`${conflicts.length === 1 ? 'a port is' : 'ports are'} taken:\n  ${conflicts.join('\n  ')}`);
}

const supervisor = new Supervisor();
let stopBackendPriority = async () => {};
let stopRequested = false;
const stop = async (reason: string) => {
  stopRequested = true;
  await stopBackendPriority().catch(() => {});
  await supervisor.stop(reason);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C while stopping: kill at once (the exit hook sends SIGKILL to every process group).
    if (stopRequested) process.exit(130);
    void stop(`${signal}: stopping everything`).then(() => process.exit(0));
  });
}
void supervisor.done.then((outcome) => {
  if (outcome.reason === 'crash-loop') {
    void stopBackendPriority().finally(() => process.exit(1));
  }
});

try {
  await mkdir(dataDir, { recursive: true });
  const plan = { ...planStack(), payloadKeys: process.env.PAYLOAD_KEYS ?? (await devPayloadKey(dataDir)) };
  const url = databaseUrl(plan);

  await portsAreFree(plan);
  const postgres = 'port' in plan.postgres ? await prepareEmbeddedPostgres(path.join(dataDir, 'postgres'), plan.postgres.port) : undefined;
  await supervisor.start(infrastructureRoles(plan, postgres));
  if (postgres?.fresh) await createHotpathDatabase(postgres);
  await migrateDatabase(url);
  await supervisor.start([...mailpitRole(plan), simulatorRole(plan)]);
  const config = loadConfig({ ...vendorUrlsFor(`http://127.0.0.1:${plan.simPort}`), ...process.env, DATABASE_URL: url });
  const database = openDatabase(url, { max: 1 });
  const seeded = await importNewStock(database.db, erpPort(config)).finally(() => database.close());
  // Only for the embedded Postgres: its backends are processes of this machine. BACKGROUND_NICE_BACKENDS=false: measured without.
  if ('port' in plan.postgres && plan.backgroundNice && process.env.BACKGROUND_NICE_BACKENDS !== 'false') {
    stopBackendPriority = lowerBackendPriority(url, BACKGROUND_PG_APPS, plan.backgroundNice, (line) => supervisor.log(line));
  }
  await supervisor.start(applicationRoles(plan));

  const api = `http://localhost:${plan.apiPort}`;
  process.stdout.write(`
Hotpath is up in ${((Date.now() - started) / 1000).toFixed(1)} s${seeded ? ` (seeded ${seeded} stock rows from the ERP)` : ''}: ${supervisor.names().join(', ')}
  API              ${api}
  Support console  ${api}/console   (sign in with dev-staff-token; the Web UI's codec then
                   decodes payloads once "Include cross-origin credentials" is on in its codec settings)
  Metrics          ${config.API_METRICS_PORT ? `http://127.0.0.1:${config.API_METRICS_PORT}/metrics` : 'API metrics off (API_METRICS_PORT=0)'}; workers on 127.0.0.1:${plan.workerMetricsPortBase}${plan.workers > 1 ? `–${plan.workerMetricsPortBase + plan.workers - 1}` : ''}/metrics${config.DISPATCHER_METRICS_PORT ? `; dispatcher on 127.0.0.1:${config.DISPATCHER_METRICS_PORT}/metrics` : ''}
  Temporal Web UI  ${temporalUiUrl(plan) ?? '(external cluster)'}
  Temporal         ${temporalAddress(plan)}
  Customer e-mail  ${mailpitUiUrl(plan) ? `${mailpitUiUrl(plan)}   (Mailpit's inbox; SMTP ${smtpUrl(plan)})` : smtpUrl(plan)}
  Simulators       http://127.0.0.1:${plan.simPort}   (POST /_sim/:system/behavior to inject faults)
  Postgres         ${url.replace(/\/\/[^@]*@/, '//')}
  Priorities       ${plan.backgroundNice ? `workers, dispatcher, Temporal, simulators and the workers' Postgres backends at nice ${plan.backgroundNice}; API and Postgres at 0 (BACKGROUND_NICE=0 turns this off)` : 'all equal (BACKGROUND_NICE=0)'}

Place an order:
  curl -s -X POST ${api}/orders \\
    -H 'authorization: Bearer dev-checkout-token' -H 'content-type: application/json' -H "Idempotency-Key: demo-$(date +%s%N)" \\
    -d '{"customerId":"cust-1","email":"ada@example.com","currency":"USD","lines":[{"sku":"TSHIRT-BLK-M","quantity":2,"unitPriceCents":2500}],"shippingAddress":{"name":"Ada Lovelace","line1":"12 Analytical St","city":"Boston","postalCode":"02110","country":"US"},"paymentToken":"tok_visa"}'
Then: curl -s -H 'authorization: Bearer dev-checkout-token' ${api}/orders/<orderId>

Cancel one as staff:
  curl -s -X POST ${api}/orders/<orderId>/cancel -H 'authorization: Bearer dev-staff-token' \\
    -H 'content-type: application/json' -d '{"reason":"customer asked"}'

Ctrl-C stops everything.
`);
} catch (err) {
  if (!stopRequested) {
    supervisor.log(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await stop('stopping after the failed start');
    process.exit(1);
  }
}
