import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { loadConfig, type Config } from '../lib/config';
import { logger } from '../lib/logger';
import { requireDatabaseUrl, onShutdown } from '../lib/process';
import type { SagaPolicy } from '../workflows/order/types';
import { createApp } from './app';
import { dataConverterFor } from '../lib/codec/dataConverter';
import { parseCredentials } from './auth';
import { createSagaLauncher } from './orders/sagaLauncher';
import { startTracing } from '../lib/tracing';
import { temporalConnectionOptions } from '../lib/temporalConnection';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** Starts the HTTP API against an existing Postgres and Temporal. */
export async function startApi(config: Config, options: { port?: number; sagaPolicy?: Partial<SagaPolicy>; temporalUiUrl?: string } = {}): Promise<RunningApi> {
  const database = openDatabase(requireDatabaseUrl(config), { max: config.API_DB_POOL_MAX });
  // Lazy: the API accepts orders even when Temporal is down at start-up; the dispatcher starts their sagas later.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const dataConverter = dataConverterFor(config);
  const tracing = startTracing(config, 'hotpath-api');
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter, plugins: tracing ? [tracing.plugin] : [] });
  const log = logger.child({ component: 'api' });
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
    credentials: [...parseCredentials(config.CHECKOUT_TOKENS, 'checkout'), ...parseCredentials(config.STAFF_TOKENS, 'staff')],
    wmsWebhookSecret: config.WMS_WEBHOOK_SECRET,
    stripeWebhookSecret: config.STRIPE_WEBHOOK_SECRET,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    codec: dataConverter?.payloadCodecs?.[0],
    codecCorsOrigins: config.CODEC_CORS_ORIGINS.split(',').map((o) => o.trim()),
    sessionSecret: config.SESSION_SECRET,
  });
  const server: Server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? config.API_PORT, '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  await migrateDatabase(requireDatabaseUrl(config));
  const api = await startApi(config, { sagaPolicy: config.SAGA_POLICY, temporalUiUrl: config.TEMPORAL_UI_URL });
  logger.info({ url: api.url }, 'api listening');
  onShutdown(() => api.close());
}
