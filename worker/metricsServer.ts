import { serveMetrics } from '../lib/metricsServer';

/** A bare /metrics endpoint for a worker process, which has no HTTP API of its own. Port 0 turns it off. */
export async function serveWorkerMetrics(port: number, host = '127.0.0.1'): Promise<() => Promise<void>> {
  const server = await serveMetrics(port, host);
  return server.close;
}
