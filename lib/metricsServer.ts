import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRegistry, metricsText } from './metrics';

export interface MetricsServer {
  /** `http://host:port/metrics`, or undefined when off. */
  url?: string;
  close(): Promise<void>;
}

/**
 * A bare Prometheus /metrics endpoint on its own port, away from any public listener: the API's and the
 * worker's. Bound to `host` (loopback by default); port 0 turns it off.
 */
export async function serveMetrics(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  if (port === 0) return { close: async () => {} };
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
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
