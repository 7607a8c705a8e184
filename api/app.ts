import express from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { sql } from 'drizzle-orm';
import { orderRoutes } from './order';
import { wmsWebhookRoutes } from './shipment';
import { stripeWebhookRoutes } from './payment';
import { inventoryRoutes } from './inventory';
import { webhookSubscriptionRoutes, type WebhookSubscriptionDeps } from './webhooks';
import { adminRoutes } from './admin/routes';
import { codecRoutes } from './codec/routes';
import type { PayloadCodec } from '@temporalio/common';
import type { PlaceOrderDeps } from './order';
import { authenticate, clientAddress, staffSessions, verifiedPrincipal } from './auth/auth';
import type { Credential } from '../lib/credentials';
import { authFailureGuard } from './auth/failureGuard';
import { requestBody } from './input/requestBody';
import { requestChecks } from './input/requestChecks';
import { DEFAULT_JSON_LIMITS } from './input/strictJson';
import { openApiRoutes } from './openapi/routes';
import { consoleRoutes } from './console/routes';
import { Problem, problemHandler, sendProblem } from './problem';
import { requestMetrics } from './metrics';
import { requestTracing } from '../lib/tracing';

export interface AppDeps extends PlaceOrderDeps {
  log: Logger;
  temporalUiUrl?: string;
  credentials: Credential[];
  wmsWebhookSecret?: string;
  /** Signing secret of the Stripe webhook endpoint (STRIPE_WEBHOOK_SECRET). */
  stripeWebhookSecret?: string;
  /** General budget: requests a minute per verified principal, per client address when anonymous (per process). */
  rateLimitPerMinute: number;
  /** Strict budget: failed bearer tokens and sign-ins a minute per address, shared by every replica (Postgres). */
  authFailuresPerMinute?: number;
  /** Express `trust proxy` (TRUST_PROXY): which X-Forwarded-For names the client address. */
  trustProxy?: string;
  codec?: PayloadCodec;
  codecCorsOrigins?: string[];
  /** Key of the staff console's session cookie (SESSION_SECRET); a random one per process when absent. */
  sessionSecret?: string;
  /** Open a server span per request (OpenTelemetry tracing is on). */
  traceRequests?: boolean;
  /** How long a rotated-out webhook secret keeps signing (WEBHOOK_SECRET_OVERLAP_HOURS, default 24 h). */
  webhookSecretOverlapMs?: number;
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: subscriptions may name private, loopback and link-local address literals. */
  webhookAllowPrivateTargets?: boolean;
  /** The rest of the webhook subscriptions' settings (endpoints per owner, allowed ports, the DNS URLs are judged by). */
  webhookSubscriptions?: Pick<WebhookSubscriptionDeps, 'maxSubscriptionsPerOwner' | 'allowedPorts' | 'resolve'>;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (deps.trustProxy) app.set('trust proxy', trustProxySetting(deps.trustProxy));
  if (deps.traceRequests) app.use(requestTracing());
  app.use(requestMetrics);
  app.use(requestChecks);
  app.use(
    requestBody({
      rules: { limit: '64kb', json: DEFAULT_JSON_LIMITS },
      // A page of history decoded by the Web UI can be large; everything else stays small.
      overrides: [{ prefix: '/codec/', rules: { limit: '8mb', json: { maxDepth: 8, maxStringLength: 8 * 1024 * 1024 } } }],
      formRoutes: ['POST /console/session'],
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

  // Who is calling, verified before the limits: the console's cookie, or the bearer token (wrong ones spend the
  // address's strict failure budget).
  const sessions = staffSessions(deps.credentials, deps.sessionSecret);
  const guard = authFailureGuard(deps.db, { limit: deps.authFailuresPerMinute ?? 10, windowMs: 60_000 });
  app.use(sessions.read);
  app.use(authenticate(deps.credentials, guard));
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: deps.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // Per verified principal; anonymous requests, and any that sent a wrong credential, per client address.
      keyGenerator: (req, res) => {
        const principal = verifiedPrincipal(res);
        return principal ? `principal:${principal}` : `address:${clientAddress(req)}`;
      },
      handler: (_req, res) => sendProblem(res, new Problem(429, 'Too many requests', `more than ${deps.rateLimitPerMinute} requests a minute; slow down`)),
    }),
  );
  app.use(openApiRoutes());
  // Staff console: the page and sign-in.
  app.use(consoleRoutes({ credentials: deps.credentials, sessions, guard }));
  app.use(orderRoutes(deps));
  app.use(codecRoutes(deps.codec, deps.credentials, deps.codecCorsOrigins ?? []));
  app.use(wmsWebhookRoutes(deps.db, deps.wmsWebhookSecret, undefined, { client: deps.saga.client, log: deps.log }));
  app.use(stripeWebhookRoutes({ db: deps.db, client: deps.saga.client, secret: deps.stripeWebhookSecret, log: deps.log }));
  app.use(inventoryRoutes(deps.db, deps.credentials));
  app.use(webhookSubscriptionRoutes({ db: deps.db, credentials: deps.credentials, secretOverlapMs: deps.webhookSecretOverlapMs ?? 24 * 3_600_000, allowPrivateTargets: deps.webhookAllowPrivateTargets ?? false, ...deps.webhookSubscriptions }));
  app.use(adminRoutes({ db: deps.db, client: deps.saga.client, taskQueue: deps.saga.taskQueue, credentials: deps.credentials }));
  app.use((req, res) => sendProblem(res, new Problem(404, 'Not found', `no route ${req.method} ${req.path}`)));
  app.use(problemHandler((err) => deps.log.error({ err }, 'unhandled error')));
  return app;
}

/** TRUST_PROXY as Express reads it: `true`/`false`, a hop count, or addresses and subnets. */
function trustProxySetting(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}
