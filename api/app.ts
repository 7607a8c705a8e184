import express from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { sql } from 'drizzle-orm';
import { orderRoutes } from './orders/routes';
import { wmsWebhookRoutes } from './webhooks/wms';
import { stripeWebhookRoutes } from './webhooks/stripe';
import { inventoryRoutes } from './inventory/routes';
import { adminRoutes } from './admin/routes';
import { codecRoutes } from './codec/routes';
import type { PayloadCodec } from '@temporalio/common';
import type { PlaceOrderDeps } from './orders/placeOrder';
import { staffSessions, type Credential } from './auth';
import { consoleRoutes } from './console/routes';
import { Problem, problemHandler, sendProblem } from './problem';
import { metricsRoutes, requestMetrics } from './metrics';
import { requestTracing } from '../lib/tracing';

export interface AppDeps extends PlaceOrderDeps {
  log: Logger;
  temporalUiUrl?: string;
  credentials: Credential[];
  wmsWebhookSecret?: string;
  /** Signing secret of the Stripe webhook endpoint (STRIPE_WEBHOOK_SECRET). */
  stripeWebhookSecret?: string;
  rateLimitPerMinute: number;
  codec?: PayloadCodec;
  codecCorsOrigins?: string[];
  /** Key of the staff console's session cookie (SESSION_SECRET); a random one per process when absent. */
  sessionSecret?: string;
  /** Open a server span per request (OpenTelemetry tracing is on). */
  traceRequests?: boolean;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (deps.traceRequests) app.use(requestTracing());
  app.use(requestMetrics);
  app.use(metricsRoutes());
  // A page of history decoded by the Web UI can be large; everything else stays small.
  app.use('/codec', express.json({ limit: '8mb' }));
  app.use(
    express.json({
      limit: '64kb',
      strict: true,
      // Webhook signatures are computed over the exact bytes received.
      verify: (req, _res, buf) => {
        (req as unknown as { rawBody: Buffer }).rawBody = buf;
      },
    }),
  );

  app.get('/healthz', async (_req, res) => {
    const checks: Record<string, string> = {};
    await deps.db.execute(sql`select 1`).then(
      () => (checks.postgres = 'ok'),
      (err: Error) => (checks.postgres = err.message),
    );
    await deps.saga.client.withDeadline(Date.now() + 1_000, () => deps.saga.client.workflowService.getSystemInfo({})).then(
      () => (checks.temporal = 'ok'),
      (err: Error) => (checks.temporal = err.message),
    );
    const healthy = Object.values(checks).every((c) => c === 'ok');
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', checks });
  });

  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // Per credential when one is presented, else per client address.
      keyGenerator: (req) => req.headers.authorization ?? ipKeyGenerator(req.ip ?? 'unknown'),
      handler: (_req, res) => sendProblem(res, new Problem(429, 'Too many requests', `more than ${deps.rateLimitPerMinute} requests a minute; slow down`)),
    }),
  );
  // Staff console: the sign-in cookie is read for every router below (requireRole accepts it as staff); the page and sign-in.
  const sessions = staffSessions(deps.credentials, deps.sessionSecret);
  app.use(sessions.read);
  app.use(consoleRoutes({ credentials: deps.credentials, sessions }));
  app.use(orderRoutes(deps));
  app.use(codecRoutes(deps.codec, deps.credentials, deps.codecCorsOrigins ?? []));
  app.use(wmsWebhookRoutes(deps.db, deps.wmsWebhookSecret));
  app.use(stripeWebhookRoutes({ db: deps.db, client: deps.saga.client, secret: deps.stripeWebhookSecret, log: deps.log }));
  app.use(inventoryRoutes(deps.db, deps.credentials));
  app.use(adminRoutes({ db: deps.db, client: deps.saga.client, taskQueue: deps.saga.taskQueue, credentials: deps.credentials }));
  app.use((req, res) => sendProblem(res, new Problem(404, 'Not found', `no route ${req.method} ${req.path}`)));
  app.use(problemHandler((err) => deps.log.error({ err }, 'unhandled error')));
  return app;
}
