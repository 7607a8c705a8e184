import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serveMetrics } from '../lib/metricsServer';
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { loadConfig, type Config } from '../lib/config';
import { logger } from '../lib/logger';
import { requireDatabaseUrl, onShutdown } from '../lib/process';
import type { SagaPolicy } from '../workflows/order/contract';
import { createApp } from './app';
import { dataConverterFor } from '../lib/codec/dataConverter';
import { checkoutNames, parseCredentials, type Credential } from '../lib/credentials';
import { assertDeployable } from '../lib/deployment';
import { settleLegacyOrderOwner } from '../db/order';
import { createSagaLauncher, serveOrderStateMetrics } from './order';
import { startTracing } from '../lib/tracing';
import { temporalConnectionOptions } from '../lib/temporalConnection';
import type { Resolver } from '../lib/webhooks';
import { serveWebhookStateMetrics } from './webhooks';

export interface RunningApi {
  url: string;
  /** The API's Prometheus endpoint (API_METRICS_PORT, loopback by default), when on. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/** RATE_LIMITS_PER_MINUTE, refused at start-up when it names a principal no credential has (a typo would silently not apply). */
function budgetsOfKnownPrincipals(budgets: Record<string, number>, credentials: Credential[]): Record<string, number> {
  const unknown = Object.keys(budgets).filter((name) => !credentials.some((c) => c.principal === name));
  if (unknown.length > 0) throw new Error(`RATE_LIMITS_PER_MINUTE names ${unknown.join(', ')}, which no credential of CHECKOUT_TOKENS or STAFF_TOKENS has`);
  return budgets;
}

/** Starts the HTTP API against an existing Postgres and Temporal. */
export async function startApi(
  config: Config,
  options: { port?: number; sagaPolicy?: Partial<SagaPolicy>; temporalUiUrl?: string; webhookResolve?: Resolver } = {},
): Promise<RunningApi> {
  assertDeployable(config, 'the API');
  const database = openDatabase(requireDatabaseUrl(config), { max: config.API_DB_POOL_MAX });
  // Lazy: the API accepts orders even when Temporal is down at start-up; the dispatcher starts their sagas later.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const dataConverter = dataConverterFor(config);
  const tracing = startTracing(config, 'hotpath-api');
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter, plugins: tracing ? [tracing.plugin] : [] });
  const log = logger.child({ component: 'api' });
  const credentials = [...parseCredentials(config.CHECKOUT_TOKENS, 'checkout'), ...parseCredentials(config.STAFF_TOKENS, 'staff')];
  const saga = { client, taskQueue: config.TASK_QUEUE, startTimeoutMs: config.TEMPORAL_START_TIMEOUT_MS };
  const launcher = createSagaLauncher(database.db, saga, log);
  const app = createApp({
    db: database.db,
    saga,
    launcher,
    sagaPolicy: options.sagaPolicy,
    log,
    traceRequests: Boolean(tracing),
    temporalUiUrl: options.temporalUiUrl,
    credentials,
    wmsWebhookSecret: config.WMS_WEBHOOK_SECRET,
    stripeWebhookSecret: config.STRIPE_WEBHOOK_SECRET,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    checkoutRateLimitPerMinute: config.CHECKOUT_RATE_LIMIT_PER_MINUTE,
    rateLimitsByPrincipal: budgetsOfKnownPrincipals(config.RATE_LIMITS_PER_MINUTE, credentials),
    authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    trustProxy: config.TRUST_PROXY,
    cancelAnswerWithinMs: config.CANCEL_ANSWER_TIMEOUT_MS,
    returnReceiptWindowMs: config.RETURN_RECEIPT_WINDOW,
    legacyOrderOwner: await settleLegacyOrderOwner(database.db, config.LEGACY_ORDER_OWNER, checkoutNames(credentials)),
    codec: dataConverter?.payloadCodecs?.[0],
    codecCorsOrigins: config.CODEC_CORS_ORIGINS.split(',').map((o) => o.trim()),
    sessionSecret: config.SESSION_SECRET,
    webhookSecretOverlapMs: config.WEBHOOK_SECRET_OVERLAP_HOURS * 3_600_000,
    webhookAllowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookSubscriptions: { maxSubscriptionsPerOwner: config.WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER, allowedPorts: config.WEBHOOK_ALLOWED_PORTS, resolve: options.webhookResolve },
  });
  const server: Server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerMalformedRequest);
  await new Promise<void>((resolve) => server.listen(options.port ?? config.API_PORT, config.API_HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const metrics = await serveMetrics(config.API_METRICS_PORT, config.API_METRICS_HOST);
  // Backlog gauges read from Postgres on scrape, for the alert rules (deploy/prometheus/hotpath-rules.yml).
  const stopStateMetrics = config.API_METRICS_PORT ? [serveOrderStateMetrics(database.db, log), serveWebhookStateMetrics(database.db, log)] : [];
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: metrics.url,
    close: async () => {
      await metrics.close();
      for (const stop of stopStateMetrics) stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await launcher.drain();
      await connection.close();
      await database.close();
      await tracing?.flush();
    },
  };
}

/**
 * Requests Node's HTTP parser refuses before Express sees them (a header block over Node's limit, bytes that
 * are not HTTP) still get a problem+json answer, never a bare reset.
 */
function answerMalformedRequest(err: Error & { code?: string }, socket: Duplex) {
  if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const title = status === 431 ? 'Request header fields too large' : 'Bad request';
  const body = JSON.stringify({ type: 'about:blank', title, status, detail: status === 431 ? 'the headers are larger than the server accepts' : 'the request is not valid HTTP' });
  socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  await migrateDatabase(requireDatabaseUrl(config));
  const api = await startApi(config, { sagaPolicy: config.SAGA_POLICY, temporalUiUrl: config.TEMPORAL_UI_URL });
  logger.info({ url: api.url }, 'api listening');
  onShutdown(() => api.close());
}
