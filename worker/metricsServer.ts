import { createServer } from 'node:http';
import { metricsRegistry, metricsText } from '../lib/metrics';

/** A bare /metrics endpoint for a worker process, which has no HTTP API of its own. Port 0 turns it off. */
export async function serveWorkerMetrics(port: number): Promise<() => Promise<void>> {
  if (port === 0) return async () => {};
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '0.0.0.0', resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
