import type { RequestHandler } from 'express';
import { httpRequestDuration } from '../lib/metrics';

/**
 * Times each request by its route pattern (`/orders/:id`, never the id itself, so label cardinality stays
 * bounded); requests no route matched are labelled `unmatched`.
 */
export const requestMetrics: RequestHandler = (req, res, next) => {
  const end = httpRequestDuration.startTimer();
  res.on('finish', () => {
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    end({ method: req.method, route, status_code: String(res.statusCode) });
  });
  next();
};
