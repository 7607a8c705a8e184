import { pino } from 'pino';
import { traceIds } from './traceIds';

/** Customer PII must never reach the logs: e-mail, address and payment token, top-level or one level down. */
export const LOG_REDACTION = {
  paths: ['email', '*.email', 'shippingAddress', '*.shippingAddress', 'paymentToken', '*.paymentToken'],
  censor: '[redacted]',
};

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: process.env.SERVICE_NAME ?? 'hotpath' },
  redact: LOG_REDACTION,
  // Lines written inside a traced request or activity name their trace, to jump from a log to the trace.
  mixin: traceIds,
});
