import type { Config } from './config';
import { logger } from './logger';

export function requireDatabaseUrl(config: Config): string {
  if (!config.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set: point it at Postgres, or use `npm start`, which runs an embedded one');
  }
  return config.DATABASE_URL;
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
}
