import express, { type ErrorRequestHandler } from 'express';
import { carrierRouter } from './carrier';
import { controlRouter } from './control';
import { erpControlRouter, erpRouter } from './erp';
import { failure, send } from './http';
import { notificationsRouter } from './notifications';
import { stripeControlRouter, stripeRouter } from './stripe/router';
import { createSimState, type SimOptions, type SimState } from './state';
import { wmsControlRouter, wmsRouter } from './wms';

export type { SimOptions, SimState } from './state';
export type { StockRow } from './catalog';

/** One Express app serving every simulated vendor under its own path prefix. */
export function createSimApp(options: SimOptions = {}): { app: express.Express; state: SimState } {
  const state = createSimState(options);
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());

  // Stripe's API lives at the root (/v1/…), as at api.stripe.com: point STRIPE_API_BASE at the simulator.
  app.use('/v1', stripeRouter(state));
  app.use('/carrier', carrierRouter(state));
  app.use('/wms', wmsRouter(state));
  app.use('/erp', erpRouter(state));
  app.use('/notifications', notificationsRouter(state));

  app.use('/_sim/payment', stripeControlRouter(state));
  app.use('/_sim/wms', wmsControlRouter(state));
  app.use('/_sim/erp', erpControlRouter(state));
  app.use('/_sim', controlRouter(state));

  app.use((req, res) => send(res, failure(404, 'not_found', `No route for ${req.method} ${req.path}`)));
  app.use(handleError);
  return { app, state };
}

// Body-parser errors (malformed JSON, oversized bodies) carry a 4xx status.
const handleError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 500;
  if (status >= 400 && status < 500) {
    send(res, failure(status, 'invalid_request', error instanceof Error ? error.message : 'Bad request'));
    return;
  }
  console.error('[sim] unexpected error', error);
  send(res, failure(500, 'internal', 'The simulator failed unexpectedly'));
};
