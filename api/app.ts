import express from 'express';
import type { Logger } from 'pino';
import { orderRoutes } from './order';
import { wmsWebhookRoutes } from './shipment';
import { stripeWebhookRoutes } from './payment';
import { inventoryRoutes } from './inventory';
import { returnRoutes } from './returns';
import { webhookSubscriptionRoutes, type WebhookSubscriptionDeps } from './webhooks';
import { adminRoutes } from './admin/routes';
import { codecRoutes } from './codec/routes';
import type { PayloadCodec } from '@temporalio/common';
import type { PlaceOrderDeps } from './order';
import { authenticate } from './auth/auth';
import { staffSessions } from './auth/sessions';
import { postgresSessionRevocations } from './auth/sessionRevocations';
import type { Credential } from '../lib/credentials';
import { authFailureGuard } from './limits/failureGuard';
import { generalRateLimit } from './limits/rateLimits';
import { healthRoute } from './health';
import { requestChecks } from './input/requestChecks';
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
  /** General budget, requests a minute per process: per staff principal, and per client address when anonymous. */
  rateLimitPerMinute: number;
  /** The same per checkout principal (CHECKOUT_RATE_LIMIT_PER_MINUTE); RATE_LIMIT_PER_MINUTE when absent. */
  checkoutRateLimitPerMinute?: number;
  /** Per principal name, overriding its role's budget (RATE_LIMITS_PER_MINUTE). */
  rateLimitsByPrincipal?: Record<string, number>;
  /** Failure budget: wrong bearer tokens and sign-ins a minute per address (in memory, then shared by every replica in Postgres). */
  authFailuresPerMinute?: number;
  /** Express `trust proxy` (TRUST_PROXY): which X-Forwarded-For names the client address. */
  trustProxy?: string;
  codec?: PayloadCodec;
  /** How long a return waits for the warehouse's receipt (RETURN_RECEIPT_WINDOW, in ms; 30 days when absent). */
  returnReceiptWindowMs?: number;
  /** How long a cancel waits for the saga's answer before a 503 (CANCEL_ANSWER_TIMEOUT_MS). */
  cancelAnswerWithinMs?: number;
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

  // Route, then who is calling and their budget, then (in each route, after its role check) the body: nothing
  // here reads a body, so an anonymous request costs a header read and in-memory counters.
  // Who is calling: the console's cookie, or the bearer token (wrong ones spend the address's failure budget).
  const sessions = staffSessions(deps.credentials, deps.sessionSecret, postgresSessionRevocations(deps.db));
  const failureWindowMs = 60_000;
  const guard = authFailureGuard(deps.db, { limit: deps.authFailuresPerMinute ?? 10, windowMs: failureWindowMs });
  app.use(sessions.read);
  app.use(authenticate(deps.credentials, guard, failureWindowMs));
  // Before the general budget, so that no client can get a load balancer's probe refused.
  app.get('/healthz', healthRoute({ db: deps.db, client: deps.saga.client }));
  app.use(
    generalRateLimit({
      anonymous: deps.rateLimitPerMinute,
      byRole: { checkout: deps.checkoutRateLimitPerMinute ?? deps.rateLimitPerMinute, staff: deps.rateLimitPerMinute },
      byPrincipal: deps.rateLimitsByPrincipal ?? {},
    }),
  );
  app.use(openApiRoutes());
  // Staff console: the page and sign-in.
  app.use(consoleRoutes({ credentials: deps.credentials, sessions, guard, failureWindowMs }));
  app.use(orderRoutes(deps));
  app.use(returnRoutes({ ...deps, returnReceiptWindowMs: deps.returnReceiptWindowMs ?? 30 * 86_400_000 }));
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
