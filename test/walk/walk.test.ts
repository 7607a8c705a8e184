import { inject, test, expect, afterAll, beforeAll } from 'vitest';
import type { RunningApi } from '../../api/server';
import { freePort } from '../../db/embedded';
import { vendorUrlsFor } from '../../lib/config';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '../../lib/childProcess/managed';
import type { WalkEnv } from '../../scripts/walk/env';
import { MailChaos } from '../../scripts/walk/mailChaos';
import { startMailpit, type RunningMailpit } from '../../lib/mailpit';
import { WALK_RETURN_RECEIPT_WINDOW, WALK_SAGA_POLICY, WALK_VENDOR_TIMEOUT_MS } from '../../scripts/walk/policy';
import { describeFailure, runWalks } from '../../scripts/walk/runner';
import { workerKiller } from '../../scripts/walk/workerKiller';
import { startOwnApi } from '../support/ownApi';
import { temporalClient, testDb } from '../support/stack';
import { describeSaga } from '../../scripts/walk/sagaDiagnosis';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { CHECKOUT_TOKEN, STAFF_TOKEN, TEST_API_ENV, WMS_WEBHOOK_SECRET } from '../support/testPolicy';

/**
 * The short version of `npm run chaos -- --walks N`: 20 model-based walks on the run's stack, with a worker of
 * their own (a process, so a walk can SIGKILL it) on their own task queue, and SKUs of their own.
 */
const taskQueue = `orders-walk-${process.pid}`;
let worker: ManagedProcess;
let api: RunningApi;
// A Mailpit of the walks' own: its chaos is server-wide, and the run's Mailpit serves other files meanwhile.
let mailpit: RunningMailpit;
const workerLog = path.join(tmpdir(), `hotpath-walk-worker-${process.pid}.log`);

/** The worker's error and warning lines about these orders (or, failing that, its last errors), for a failure message. */
function workerErrors(orderIds: string[]): string {
  let text = '';
  try {
    text = readFileSync(workerLog, 'utf8');
  } catch {
    return '(no worker log)';
  }
  const lines = text.split('\n').filter((l) => /"level":(40|50|60)|\b(error|warn)\b/i.test(l));
  const about = lines.filter((l) => orderIds.some((id) => l.includes(id)));
  return (about.length > 0 ? about : lines).slice(-15).map((l) => l.slice(0, 600)).join('\n');
}

beforeAll(async () => {
  mailpit = await startMailpit({ chaos: true, maxMessages: 0 });
  worker = ManagedProcess.node('walk-worker', fileURLToPath(new URL('../..', import.meta.url)), 'worker/main.ts', {
    ...process.env,
    ...vendorUrlsFor(inject('simUrl')),
    ...TEST_API_ENV,
    NOTIFICATIONS_PROVIDER: 'smtp',
    SMTP_URL: mailpit.smtpUrl,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'info',
    VENDOR_TIMEOUT_MS: WALK_VENDOR_TIMEOUT_MS,
    WORKER_BACKGROUND_DUTIES: 'false',
    WORKER_METRICS_PORT: String(await freePort()),
  }, 'worker polling');
  // The worker's whole output, over every restart a walk's kill causes: a failed walk quotes its errors.
  worker.logFile = workerLog;
  await worker.start();
  api = await startOwnApi({ taskQueue, policy: WALK_SAGA_POLICY, env: { RETURN_RECEIPT_WINDOW: WALK_RETURN_RECEIPT_WINDOW } });
});

// Kept unless every walk passed (a failure quotes its errors; a run cut short by its timeout leaves it for a look).
let keepWorkerLog = true;

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await mailpit?.stop();
  if (!keepWorkerLog) rmSync(workerLog, { force: true });
});

test('20 random walks over split, parked, cancelled, recorded and returned orders keep every invariant', async () => {
  const env: WalkEnv = {
    apiUrl: api.url,
    simUrl: inject('simUrl'),
    mailpitUrl: mailpit.apiUrl,
    mail: new MailChaos(mailpit.apiUrl),
    db: testDb(),
    staffToken: STAFF_TOKEN,
    checkoutToken: CHECKOUT_TOKEN,
    webhookSecret: WMS_WEBHOOK_SECRET,
    runId: `${process.pid}${Date.now().toString(36)}`,
    killWorker: workerKiller(worker, () => {}),
    describeSaga: async (orderId) => {
      const [row] = await testDb().execute<{ workflow_id: string | null }>(sql`select workflow_id from orders where id = ${orderId}`);
      return row?.workflow_id ? describeSaga(await temporalClient(), row.workflow_id) : 'no saga started';
    },
    log: (line) => console.log(`[walk] ${line}`),
  };
  const seed = Number(process.env.WALK_SEED ?? Date.now() % 100_000);
  env.log(`seed ${seed} (WALK_SEED=${seed} replays these walks); the worker's output: ${workerLog}`);
  const summary = await runWalks(env, { walks: 20, seed, lanes: 4, shrinkWalks: 5, maxCommands: 10 });
  const unended = [...new Set(summary.failures.flatMap((f) => [...JSON.stringify(f).matchAll(/ord_[a-z0-9]+/g)].map((m) => m[0])))];
  const report = summary.failures.map((f) => describeFailure(f, 'npm run chaos --')).join('\n') + (summary.failures.length > 0 ? `\nworker errors (${workerLog}):\n${workerErrors(unended)}` : '');
  env.log(`outcomes: ${JSON.stringify(summary.outcomes)}`);
  expect(summary.walks).toBeGreaterThanOrEqual(20);
  expect(summary.commands, 'the walks ran commands').toBeGreaterThan(20);
  expect(summary.failures, report).toEqual([]);
  keepWorkerLog = false;
}, 300_000);
