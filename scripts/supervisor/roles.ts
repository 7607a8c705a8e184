/**
 * The processes `npm start` runs and the environment of each: the one place to add a setting for a role.
 * Every role gets `shared` (with the user's own environment winning over its defaults), then its own block.
 */
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { vendorUrlsFor } from '../../lib/config';
import type { PreparedPostgres } from '../../db/embedded';
import { POSTGRES_READY } from '../../db/embedded';
import { nodeCommand } from '../../lib/childProcess/spawn';
import { mailpitAnswers, mailpitArgs } from '../../lib/mailpit';
import type { ChildSpec } from '../../lib/supervisor/supervisor';
import { devServerArgs } from '../../lib/temporalServer';

export interface StackPlan {
  root: string;
  dataDir: string;
  /** Run a dev server (and an embedded Postgres) unless the user points at their own. */
  temporal: { cli: string; port: number; uiPort: number } | { address: string };
  postgres: { port: number } | { url: string };
  /** Run Mailpit as the customers' mailbox unless the user points SMTP_URL at their own mail server. */
  mailpit: { binary: string; smtpPort: number; uiPort: number } | { smtpUrl: string };
  apiPort: number;
  simPort: number;
  workers: number;
  /** First worker's metrics port; worker n serves on base + n - 1. */
  workerMetricsPortBase: number;
  /** Niceness of the saga side (workers, dispatcher, Temporal, simulators); 0 turns priorities off. */
  backgroundNice: number;
  payloadKeys: string;
}

/** Development-only credentials, as before: production sets its own. */
export const DEV_SECRETS = { STAFF_TOKENS: 'support:dev-staff-token', CHECKOUT_TOKENS: 'checkout:dev-checkout-token', WMS_WEBHOOK_SECRET: 'dev-wms-webhook-secret', STRIPE_WEBHOOK_SECRET: 'whsec_dev_hotpath' };

export const temporalAddress = (plan: StackPlan) => ('address' in plan.temporal ? plan.temporal.address : `127.0.0.1:${plan.temporal.port}`);
export const databaseUrl = (plan: StackPlan) => ('url' in plan.postgres ? plan.postgres.url : `postgres://hotpath:hotpath@127.0.0.1:${plan.postgres.port}/hotpath`);
export const smtpUrl = (plan: StackPlan) => ('smtpUrl' in plan.mailpit ? plan.mailpit.smtpUrl : `smtp://127.0.0.1:${plan.mailpit.smtpPort}`);
export const mailpitUiUrl = (plan: StackPlan) => ('uiPort' in plan.mailpit ? `http://127.0.0.1:${plan.mailpit.uiPort}` : undefined);
export const temporalUiUrl = (plan: StackPlan) => ('uiPort' in plan.temporal ? `http://localhost:${plan.temporal.uiPort}` : process.env.TEMPORAL_UI_URL);

/** The environment every Hotpath role starts from. */
function shared(plan: StackPlan): NodeJS.ProcessEnv {
  const simUrl = `http://127.0.0.1:${plan.simPort}`;
  // With a real Stripe key (test mode), payments go to Stripe itself and the simulator serves the other vendors.
  const { STRIPE_API_BASE: simulatedStripe, ...simulatedVendors } = vendorUrlsFor(simUrl);
  const defaults: Record<string, string | undefined> = {
    ...simulatedVendors,
    ...(process.env.STRIPE_API_KEY ? {} : { STRIPE_API_BASE: simulatedStripe }),
    ...DEV_SECRETS,
    // The development credential's keys keep the unscoped order ids it has always had (db/order/legacyOwner.ts):
    // a .data/ database from an earlier `npm start` keeps starting. With credentials of your own, say it yourself.
    ...(process.env.CHECKOUT_TOKENS ? {} : { LEGACY_ORDER_OWNER: 'checkout' }),
    // A laptop's stack: its published tokens are development-only (lib/deployment.ts), and only this machine may call it.
    HOTPATH_ENV: 'development',
    API_HOST: '127.0.0.1',
    PAYLOAD_KEYS: plan.payloadKeys,
    TEMPORAL_UI_URL: temporalUiUrl(plan),
    // Customer e-mail goes out over SMTP (to Mailpit, whose web UI shows it); NOTIFICATIONS_PROVIDER=simulator opts out.
    SMTP_URL: smtpUrl(plan),
    API_PORT: String(plan.apiPort),
    SIM_PORT: String(plan.simPort),
    // Development: webhook receivers run on this machine (loopback); production refuses private targets.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  };
  const env: NodeJS.ProcessEnv = { ...defaults, ...process.env, DATABASE_URL: databaseUrl(plan), TEMPORAL_ADDRESS: temporalAddress(plan) };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** A Node entry point; it watches a lifeline from the supervisor and stops when the supervisor is gone, even SIGKILLed. */
const node = (plan: StackPlan, entry: string) => {
  const { command, args, cwd, dieWith } = nodeCommand(plan.root, entry, {});
  return { command, args, cwd, dieWith };
};

/** Temporal and Postgres (the embedded one's postmaster, prepared by prepareEmbeddedPostgres): everything else needs them. */
export function infrastructureRoles(plan: StackPlan, postgres?: PreparedPostgres): ChildSpec[] {
  const roles: ChildSpec[] = [];
  if ('cli' in plan.temporal) {
    const { cli, port, uiPort } = plan.temporal;
    roles.push({
      name: 'temporal',
      command: cli,
      args: devServerArgs({ port, uiPort, ui: true, dbFilename: path.join(plan.dataDir, 'temporal.db'), uiCodecEndpoint: `http://localhost:${plan.apiPort}/codec` }),
      env: process.env,
      nice: plan.backgroundNice,
      // Not a Node process: the kernel kills it when the supervisor dies (setpriv --pdeathsig KILL).
      dieWith: 'pdeathsig',
      probe: () => temporalAnswers(temporalAddress(plan)),
    });
  }
  if ('port' in plan.postgres) {
    if (!postgres) throw new Error('the embedded Postgres must be prepared first (prepareEmbeddedPostgres)');
    // The postmaster itself, under a death signal; its backends are its children and end when it does.
    roles.push({ name: 'postgres', ...postgres.command, ready: POSTGRES_READY, stopGraceMs: 15_000 });
  }
  // Another service that is not a Node process is one more role like mailpitRole, with `dieWith: 'pdeathsig'`
  // so it dies with the supervisor, and its ports in plannedPorts below.
  return roles;
}

/**
 * Mailpit, the customers' mailbox (web UI and API on :8025, SMTP on :1025, both loopback only). It cannot watch a
 * lifeline, so it runs under `setpriv --pdeathsig KILL` and dies with the supervisor, even a SIGKILLed one.
 */
export function mailpitRole(plan: StackPlan): ChildSpec[] {
  if (!('binary' in plan.mailpit)) return [];
  const { binary, smtpPort, uiPort } = plan.mailpit;
  // Messages persist under the data directory, so a restart keeps the inbox; the oldest go past 5000.
  const args = mailpitArgs({ smtpPort, uiPort, maxMessages: 5000, database: path.join(plan.dataDir, 'mailpit.db'), chaos: process.env.MAILPIT_CHAOS === 'true' });
  return [{ name: 'mailpit', command: binary, args, env: process.env, nice: plan.backgroundNice, dieWith: 'pdeathsig', probe: () => mailpitAnswers(`http://127.0.0.1:${uiPort}`, smtpPort) }];
}

/** The vendor simulators: the sagas' vendors, so on the background side of the machine. */
export function simulatorRole(plan: StackPlan): ChildSpec {
  return {
    name: 'sim',
    ...node(plan, 'sim/server.ts'),
    env: {
      ...shared(plan),
      WMS_CALLBACK_URL: process.env.WMS_CALLBACK_URL ?? `http://127.0.0.1:${plan.apiPort}/webhooks/wms`,
      // The simulator is Stripe here too: it signs its events for the API's Stripe webhook.
      STRIPE_WEBHOOK_URL: process.env.STRIPE_WEBHOOK_URL ?? `http://127.0.0.1:${plan.apiPort}/webhooks/stripe`,
    },
    nice: plan.backgroundNice,
    ready: /listening on/,
  };
}

/** One dispatcher, n workers and the API. */
export function applicationRoles(plan: StackPlan): ChildSpec[] {
  const workers = Array.from({ length: plan.workers }, (_, i): ChildSpec => ({
    name: `worker-${i + 1}`,
    ...node(plan, 'worker/main.ts'),
    env: {
      ...shared(plan),
      WORKER_BACKGROUND_DUTIES: 'false',
      WORKER_METRICS_PORT: String(plan.workerMetricsPortBase + i),
      // Names its Postgres connections, so the supervisor can lower their backends' priority too.
      PGAPPNAME: `hotpath-worker-${i + 1}`,
    },
    nice: plan.backgroundNice,
    ready: /worker polling/,
  }));
  return [
    {
      name: 'dispatcher',
      ...node(plan, 'worker/dispatcher.ts'),
      env: { ...shared(plan), PGAPPNAME: 'hotpath-dispatcher' },
      nice: plan.backgroundNice,
      ready: /dispatcher running/,
    },
    ...workers,
    {
      name: 'api',
      ...node(plan, 'api/server.ts'),
      env: { ...shared(plan), PGAPPNAME: 'hotpath-api' },
      ready: /api listening/,
      stopGraceMs: 15_000,
    },
  ];
}

/** Every port the roles will listen on, with the setting that moves it: checked before anything starts. */
export function plannedPorts(plan: StackPlan, apiMetricsPort: number, dispatcherMetricsPort = 0): { port: number; role: string; setting: string }[] {
  return [
    ...('port' in plan.temporal
      ? [
          { port: plan.temporal.port, role: 'temporal', setting: 'TEMPORAL_PORT' },
          { port: plan.temporal.uiPort, role: 'temporal web UI', setting: 'TEMPORAL_UI_PORT' },
        ]
      : []),
    ...('port' in plan.postgres ? [{ port: plan.postgres.port, role: 'postgres', setting: 'EMBEDDED_PG_PORT' }] : []),
    ...('uiPort' in plan.mailpit
      ? [
          { port: plan.mailpit.smtpPort, role: 'mailpit smtp', setting: 'MAILPIT_SMTP_PORT' },
          { port: plan.mailpit.uiPort, role: 'mailpit web UI', setting: 'MAILPIT_UI_PORT' },
        ]
      : []),
    { port: plan.simPort, role: 'sim', setting: 'SIM_PORT' },
    { port: plan.apiPort, role: 'api', setting: 'API_PORT' },
    { port: apiMetricsPort, role: 'api metrics', setting: 'API_METRICS_PORT' },
    ...(dispatcherMetricsPort ? [{ port: dispatcherMetricsPort, role: 'dispatcher metrics', setting: 'DISPATCHER_METRICS_PORT' }] : []),
    ...Array.from({ length: plan.workers }, (_, i) => ({ port: plan.workerMetricsPortBase + i, role: `worker-${i + 1} metrics`, setting: 'WORKER_METRICS_PORT' })),
  ];
}

/** Postgres connections of these application names serve the saga side; their backends get the background niceness. */
export const BACKGROUND_PG_APPS = /^hotpath-(worker-\d+|dispatcher)$/;

async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}
