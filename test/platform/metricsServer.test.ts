import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { serveMetrics } from '../../lib/metricsServer';

describe('metrics listeners', () => {
  it('bind loopback by default: the API and worker settings default to 127.0.0.1, and a listener serves only /metrics', async () => {
    const config = loadConfig({});
    expect(config.WORKER_METRICS_HOST).toBe('127.0.0.1');
    expect(config.API_METRICS_HOST).toBe('127.0.0.1');
    expect(config.API_METRICS_PORT).toBe(9465);
    // Port 0 here would mean "off": pick a high free-ish port by listening on an ephemeral one first.
    const { createServer } = await import('node:net');
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((resolve) => probe.close(resolve));
    const server = await serveMetrics(port);
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}/metrics`);
      const res = await fetch(server.url!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('hotpath_');
      expect((await fetch(`http://127.0.0.1:${port}/orders`)).status).toBe(404);
    } finally {
      await server.close();
    }
    expect((await serveMetrics(0)).url).toBeUndefined();
  });
});
