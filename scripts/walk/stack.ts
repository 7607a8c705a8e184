import { freePort, heldPort } from '../../db/embedded';
import { vendorUrlsFor } from '../../lib/config';
import { Stack } from '../stack/stack';
import type { WalkEnv } from './env';
import { MailChaos } from './mailChaos';
import { WALK_RETURN_RECEIPT_WINDOW, WALK_SAGA_POLICY, WALK_VENDOR_TIMEOUT_MS } from './policy';
import { workerKiller } from './workerKiller';

const secrets = { checkout: 'walk-checkout-token', staff: 'walk-staff-token', webhook: 'walk-webhook-secret', stripeWebhook: 'whsec_walk' };

/** A whole stack for `npm run chaos -- --walks N`: Temporal, Postgres, the simulators, Mailpit, and a worker and an API as processes. */
export async function startWalkStack(log: (line: string) => void): Promise<{ env: WalkEnv; stop: () => Promise<void> }> {
  const stack = await Stack.create('walk');
  return stack.boot(async () => {
    const temporal = await stack.temporal({ port: await freePort(), persist: true });
    const pg = await stack.postgres();
    // Held until the API process starts: the simulators are told of it first (db/embedded.ts heldPort).
    const apiPortHold = await heldPort();
    const apiPort = apiPortHold.port;
    process.env.WMS_WEBHOOK_SECRET = secrets.webhook;
    const sim = await stack.simulators({ apiPort, stripeWebhookSecret: secrets.stripeWebhook, initialStock: [] });
    // Customer e-mail over SMTP to a Mailpit whose chaos the walks set, order by order (mailChaos.ts).
    const mailpit = await stack.mailpit({ chaos: true, maxMessages: 0 });
    const database = stack.database(pg.url, { max: 10 });
    const env = {
      ...process.env,
      HOTPATH_ENV: 'development',
      API_HOST: '127.0.0.1',
      ...vendorUrlsFor(sim.url),
      NOTIFICATIONS_PROVIDER: 'smtp',
      SMTP_URL: mailpit.smtpUrl,
      DATABASE_URL: pg.url,
      // The walk's checkout credential ("checkout") keeps unscoped order ids: its driver derives them from the keys.
      LEGACY_ORDER_OWNER: 'checkout',
      TEMPORAL_ADDRESS: temporal.address,
      TASK_QUEUE: 'orders-walk',
      LOG_LEVEL: 'info',
      VENDOR_TIMEOUT_MS: WALK_VENDOR_TIMEOUT_MS,
      // Walks reconcile their own SKUs on demand; the schedule is the chaos run's to exercise.
      RECONCILE_EVERY_MINUTES: '1440',
      DISPATCH_AFTER_MS: '2000',
      DISPATCH_INTERVAL_MS: '1000',
      SAGA_POLICY: JSON.stringify(WALK_SAGA_POLICY),
      // A return nobody receives expires within the walk's settling (scripts/walk/policy.ts).
      RETURN_RECEIPT_WINDOW: WALK_RETURN_RECEIPT_WINDOW,
    };
    await apiPortHold.release();
    const [worker] = await Promise.all([
      stack.process('worker', 'worker/main.ts', { ...env, WORKER_METRICS_PORT: String(await freePort()) }, 'worker polling'),
      stack.process('api', 'api/server.ts', { ...env, API_PORT: String(apiPort), CHECKOUT_TOKENS: `checkout:${secrets.checkout}`, STAFF_TOKENS: `walk:${secrets.staff}`, WMS_WEBHOOK_SECRET: secrets.webhook, STRIPE_WEBHOOK_SECRET: secrets.stripeWebhook, RATE_LIMIT_PER_MINUTE: '1000000', CHECKOUT_RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000', API_METRICS_PORT: '0' }, 'api listening'),
    ]);
    return {
      env: {
        apiUrl: `http://127.0.0.1:${apiPort}`,
        simUrl: sim.url,
        mailpitUrl: mailpit.apiUrl,
        mail: new MailChaos(mailpit.apiUrl),
        db: database.db,
        staffToken: secrets.staff,
        checkoutToken: secrets.checkout,
        webhookSecret: secrets.webhook,
        runId: Date.now().toString(36),
        killWorker: workerKiller(worker, log),
        log,
      },
      stop: () => stack.stop(),
    };
  });
}
