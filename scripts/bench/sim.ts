/**
 * The vendor simulators for the bench, in their own process: the ordinary sim app (sim/app.ts) behind one
 * middleware that waits a fixed time per vendor operation before the sim handles the request, as the sim's own
 * `latencyMs` does. The sim's latency is one number per system, and the bench needs two for the payment
 * gateway (authorize 200 ms, capture 100 ms), hence the middleware; the sim's own latencies stay 0.
 * Env: SIM_PORT, BENCH_SIM_LATENCIES (JSON of SimLatencies), BENCH_SIM_STOCK (JSON rows for the ERP).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createSimApp } from '../../sim/app';
import type { StockRow } from '../../sim/catalog';

export interface SimLatencies {
  authorize: number;
  capture: number;
  label: number;
  wms: number;
  notify: number;
  erp: number;
}

/** The fixed latencies. The ERP recording is not in the list and is left at 0. */
export const DEFAULT_SIM_LATENCIES: SimLatencies = { authorize: 200, capture: 100, label: 300, wms: 150, notify: 50, erp: 0 };

const ROUTES: [RegExp, keyof SimLatencies][] = [
  [/^\/v1\/payment_intents$/, 'authorize'],
  [/^\/v1\/payment_intents\/[^/]+\/capture$/, 'capture'],
  [/^\/carrier\/labels$/, 'label'],
  [/^\/wms\/tasks$/, 'wms'],
  [/^\/notifications\/messages$/, 'notify'],
  [/^\/erp\/orders$/, 'erp'],
];

export function latencyFor(latencies: SimLatencies, method: string, path: string): number {
  if (method !== 'POST') return 0;
  const hit = ROUTES.find(([pattern]) => pattern.test(path));
  return hit ? latencies[hit[1]] : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const latencies: SimLatencies = { ...DEFAULT_SIM_LATENCIES, ...(JSON.parse(process.env.BENCH_SIM_LATENCIES ?? '{}') as Partial<SimLatencies>) };
  const initialStock = JSON.parse(process.env.BENCH_SIM_STOCK ?? '[]') as StockRow[];
  const { app: sim } = createSimApp({ initialStock, wmsCallbackUrl: undefined });
  const app = express();
  app.disable('x-powered-by');
  app.use((req, _res, next) => {
    const ms = latencyFor(latencies, req.method, req.path);
    if (ms > 0) setTimeout(next, ms);
    else next();
  });
  app.use(sim);
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.SIM_PORT ?? 0), '127.0.0.1', () => {
    console.log(`bench sim listening on http://127.0.0.1:${(server.address() as AddressInfo).port} ${JSON.stringify(latencies)}`);
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
