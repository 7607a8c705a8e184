/**
 * `npm run chaos`: drives N orders through the real stack while breaking things on purpose, then drains
 * and checks that nothing was lost and that money and stock balance. Exits non-zero on any violation.
 *   npm run chaos -- --orders 1000 --rate 20 --seed 7
 */
// `--walks N` runs the model-based random walks instead (scripts/walk).
if (process.argv.includes('--walks')) process.exit(await (await import('../walk/main')).main(process.argv.slice(2)));
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { inArray, sql } from 'drizzle-orm';
import { importNewStock } from '../../activities/inventory/stockImport';
import { simErp } from '../../activities/erp/adapters/simErp';
import { VendorClient } from '../../activities/vendorClient';
import { openDatabase } from '../../db/client';
import { freePort, heldPort } from '../../db/embedded';
import { orders } from '../../db/schema';
import { vendorUrlsFor } from '../../lib/config';
import { Stack } from '../stack/stack';
import { mailSummary } from './mail';
import { chaosStockRows } from './catalog';
import { runFaults } from './faults';
import { chaosVerdict, coverageGaps } from './coverage';
import { erpAgreesOnStock, CHANGING_SKUS, expectedStock, reconciliationRuns, runErpStockChanges } from './erpStock';
import { unitsHeldByEndedOrders } from './holds';
import { checkInvariants } from './invariants';
import { driveOrders } from './load';
import { seededRandom } from './random';
import { parksByReason, runStaffDesk } from './staff';
import { runSteering, steeringPlan } from './steering';
import { terminalStatusList } from '../../db/terminalStatuses';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '20' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    'outage-seconds': { type: 'string', default: '30' },
    'erp-outage-seconds': { type: 'string', default: '20' },
    'reconcile-every-seconds': { type: 'string', default: '10' },
    'kill-every-seconds': { type: 'string', default: '20' },
    'drain-seconds': { type: 'string', default: '300' },
    report: { type: 'string', default: 'chaos-report.json' },
  },
});
const count = Number(values.orders);
const rate = Number(values.rate);
const seed = Number(values.seed);
const random = seededRandom(seed);
const log = (line: string) => console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const t0 = Date.now();

const secrets = { checkout: 'chaos-checkout-token', staff: 'chaos-staff-token', webhook: 'chaos-webhook-secret', stripeWebhook: 'whsec_chaos' };
// One stack (scripts/stack): Temporal with its history in a file (it is restarted mid-run), an embedded Postgres,
// the simulators in this process (their books are read directly), a worker and an API as processes.
const stack = await Stack.create('chaos');
let exitCode = 1;
try {
  const temporal = await stack.temporal({ port: await freePort(), persist: true });
  const pg = await stack.postgres();

  // Held until the API process starts: the simulators are told of it first (db/embedded.ts heldPort).
  const apiPortHold = await heldPort();
  const apiPort = apiPortHold.port;
  process.env.WMS_WEBHOOK_SECRET = secrets.webhook;
  const sim = await stack.simulators({ apiPort, stripeWebhookSecret: secrets.stripeWebhook, initialStock: chaosStockRows() });
  // Customer e-mail goes over SMTP to a Mailpit whose chaos refuses some recipients (451) for the whole run.
  const mailpit = await stack.mailpit({ chaos: true, maxMessages: 0 });
  const database = stack.database(pg.url, { max: 5 });
  await importNewStock(database.db, simErp(new VendorClient('erp', `${sim.url}/erp`, 5000)));
  const initialStock = new Map(chaosStockRows().map((r) => [`${r.sku}@${r.warehouse}`, r.onHand]));

  const env = {
    ...process.env,
    // Published test tokens, no payload keys: development settings (lib/deployment.ts).
    HOTPATH_ENV: 'development',
    API_HOST: '127.0.0.1',
    ...vendorUrlsFor(sim.url),
    SMTP_URL: mailpit.smtpUrl,
    NOTIFICATIONS_PROVIDER: 'smtp',
    DATABASE_URL: pg.url,
    // The run's checkout credential ("checkout") keeps unscoped order ids: steering derives them from the keys.
    LEGACY_ORDER_OWNER: 'checkout',
    TEMPORAL_ADDRESS: temporal.address,
    TASK_QUEUE: 'orders-chaos',
    WORKER_METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    VENDOR_TIMEOUT_MS: '3000',
    // Reconciliation on its schedule while orders are in flight (every 10 s by default).
    RECONCILE_EVERY_MINUTES: String(Number(values['reconcile-every-seconds']) / 60),
    DISPATCH_AFTER_MS: '3000',
    DISPATCH_INTERVAL_MS: '1000',
    TEMPORAL_START_TIMEOUT_MS: '1000',
    // Forward steps give up inside the outages (0.5 s doubling to 5 s, 6 attempts, ~13 s) and, under `park`, wait
    // for a human: the staff desk resolves them (retry or compensate) or cancels them. Compensations get 20 attempts
    // (~87 s), which outlast the outages; one that does not parks (compensation_failed) and is resolved the same way.
    SAGA_POLICY: JSON.stringify({ initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 5000, maximumAttempts: 6, compensationAttempts: 20, stepTimeoutMs: 4000, onStepExhausted: 'park' }),
  };
  const worker = await stack.process('worker', 'worker/main.ts', env, 'worker polling');
  await apiPortHold.release();
  const api = await stack.process('api', 'api/server.ts', { ...env, API_PORT: String(apiPort), CHECKOUT_TOKENS: `checkout:${secrets.checkout}`, STAFF_TOKENS: `chaos:${secrets.staff}`, WMS_WEBHOOK_SECRET: secrets.webhook, STRIPE_WEBHOOK_SECRET: secrets.stripeWebhook, RATE_LIMIT_PER_MINUTE: '1000000', CHECKOUT_RATE_LIMIT_PER_MINUTE: '1000000', API_METRICS_PORT: '0' }, 'api listening');
  const apiUrl = () => `http://127.0.0.1:${apiPort}`;
  log(`stack up: ${count} orders at ${rate}/s, seed ${seed}`);

  let steering: ReturnType<typeof runSteering> | undefined;
  // Every scheduled fault happens even in a short run: the fault window is at least 40 s.
  const faultWindowMs = Math.max((count / rate) * 1000, 40_000);
  const faultsStarted = Date.now();
  const faults = runFaults(
    {
      simUrl: sim.url,
      mailpitUrl: mailpit.apiUrl,
      apiUrl,
      webhookSecret: secrets.webhook,
      db: database.db,
      worker,
      api,
      random,
      log,
      restartTemporal: () => temporal.restart(),
      isSteered: (id) => steering?.isSteered(id) ?? false,
    },
    faultWindowMs,
    { outageMs: Number(values['outage-seconds']) * 1000, erpOutageMs: Number(values['erp-outage-seconds']) * 1000, workerKillEveryMs: Number(values['kill-every-seconds']) * 1000 },
  );
  // Their own seeded streams, so the orders a seed generates do not depend on the timing of staff or the ERP.
  const erpStock = runErpStockChanges({ state: sim.state, db: database.db, random: seededRandom(seed + 1), log, everyMs: 2_000 });
  // A few orders are steered to the rare cases (scripts/chaos/steering.ts), so each run reaches them on purpose.
  const staff = runStaffDesk({ apiUrl, simUrl: sim.url, staffToken: secrets.staff, db: database.db, random: seededRandom(seed + 2), log, isSteered: (id) => steering?.isSteered(id) ?? false });
  steering = runSteering({ plan: steeringPlan(seed, count), simUrl: sim.url, db: database.db, hands: staff.hands, webhookSecret: secrets.webhook, apiUrl, log });
  const load = await driveOrders({ apiUrl, count, perSecond: rate, random, checkoutToken: secrets.checkout, staffToken: secrets.staff, runId: String(seed), steer: steering });
  log(`drive done: ${load.accepted.length} accepted, ${load.refused} refused, ${load.retriedRequests} requests retried`);
  const rest = faultsStarted + faultWindowMs - Date.now();
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  await faults.stop();
  // The faults' end reset the simulators: the steered orders still on their way keep their vendor rules.
  await steering.rearm();
  await erpStock.stop();
  staff.drain();
  log('faults stopped; draining (parked orders are resolved at once)');

  const drainDeadline = Date.now() + Number(values['drain-seconds']) * 1000;
  for (;;) {
    const open = await database.db.select({ n: sql<number>`count(*)::int` }).from(orders).where(sql`${orders.status} not in ${terminalStatusList()}`);
    if (open[0]!.n === 0 || Date.now() > drainDeadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await steering.stop();
  await staff.stop();
  const ended = (await database.db.select({ id: orders.id }).from(orders).where(inArray(orders.id, load.accepted))).length;
  log(`drained: ${ended} of ${load.accepted.length} accepted orders in the database`);

  // On the quiet system, before the final run: SKUs whose ERP stock never changed already agree, so no run
  // during the chaos miscounted their units in flight. Then one final run applies the last ERP stock changes.
  const untouchedAgree = await erpAgreesOnStock(database.db, sim.state, (sku) => !CHANGING_SKUS.includes(sku));
  const finalRun = await fetch(`${apiUrl()}/admin/reconcile`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.staff}` }, body: '{}', signal: AbortSignal.timeout(120_000) });
  const finalReport = (await finalRun.json()) as { corrections?: unknown[]; unitsCorrected?: number };
  log(`final reconciliation: ${finalRun.status}, ${finalReport.corrections?.length ?? '?'} corrections, ${finalReport.unitsCorrected ?? '?'} units`);
  const reconciliation = await reconciliationRuns(database.db);
  const stockViolations = [
    ...(finalRun.status === 200 ? [] : [{ invariant: 'the final reconciliation runs', detail: `POST /admin/reconcile answered ${finalRun.status}: ${JSON.stringify(finalReport)}` }]),
    ...untouchedAgree,
    ...reconciliation.violations,
    ...(await erpAgreesOnStock(database.db, sim.state, (sku) => CHANGING_SKUS.includes(sku))),
    ...(await unitsHeldByEndedOrders(database.db)),
  ];
  const checked = await checkInvariants(database.db, sim.state, load.accepted, expectedStock(initialStock, erpStock.ledger));
  const violations = [...checked.violations, ...stockViolations];
  const { outcomes } = checked;
  const report = {
    seed,
    orders: { requested: count, accepted: load.accepted.length, refused: load.refused, retriedRequests: load.retriedRequests },
    staffCancellations: { atARandomMoment: load.cancellations, byStage: staff.desk.cancelsByStage, missedMoments: staff.desk.missedMoments, wmsRefusalsArranged: staff.desk.wmsRefusalsArranged },
    parked: { ...(await parksByReason(database.db)), resolutions: staff.desk.resolutions },
    steered: steering.report(),
    reconciliation: { ...reconciliation.summary, final: { corrections: finalReport.corrections?.length ?? null, unitsCorrected: finalReport.unitsCorrected ?? null } },
    erpStockChanges: { restocks: erpStock.ledger.restocks, unitsRestocked: erpStock.ledger.unitsRestocked, shrinkages: erpStock.ledger.shrinkages, unitsShrunk: erpStock.ledger.unitsShrunk, skipped: erpStock.ledger.skipped },
    orderShapes: { ...load.shapes, ...(await shapesReached(database.db, load.accepted)) },
    faults: faults.log,
    mail: await mailSummary(mailpit.apiUrl, database.db),
    outcomes,
    violations: violations.length,
    violationDetails: violations.slice(0, 50),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  const gaps = coverageGaps(report);
  const withGaps = { ...report, casesNeverReached: gaps };
  await writeFile(values.report!, `${JSON.stringify(withGaps, null, 2)}\n`);
  console.log(JSON.stringify(withGaps, null, 2));
  // Only a violation fails the run; a case it never reached is a warning (and in the report), at any size.
  const verdict = chaosVerdict({ accepted: load.accepted.length, violations: violations.length, casesNeverReached: gaps });
  for (const line of verdict.lines) console.log(line);
  exitCode = verdict.exitCode;
} catch (err) {
  console.error('[chaos] run failed:', err);
} finally {
  await stack.stop();
}
process.exit(exitCode);

/** How many accepted orders spanned one, two or three warehouses, and how their shipments ended. */
async function shapesReached(db: ReturnType<typeof openDatabase>['db'], accepted: string[]) {
  if (accepted.length === 0) return {};
  const rows = await db.execute<{ warehouses: number; orders: number }>(sql`
    select n as warehouses, count(*)::int as orders from (select order_id, count(*)::int as n from shipments where order_id in ${accepted} group by order_id) t group by n order by n`);
  const [partial] = await db.execute<{ n: number }>(sql`
    select count(distinct s.order_id)::int as n from shipments s join orders o on o.id = s.order_id
    where o.status = 'completed' and s.status = 'cancelled' and s.order_id in ${accepted}`);
  return { ordersByWarehouses: Object.fromEntries(rows.map((r) => [r.warehouses, r.orders])), completedWithCancelledShipments: partial?.n ?? 0 };
}
