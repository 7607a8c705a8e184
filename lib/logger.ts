import { pino } from 'pino';
import { traceIds } from './traceIds';

/** Customer PII must never reach the logs: e-mail, address and payment token, top-level or one level down. */
export const LOG_REDACTION = {
  paths: ['email', '*.email', 'shippingAddress', '*.shippingAddress', 'paymentToken', '*.paymentToken'],
  censor: '[redacted]',
};

/**
 * Errors as pino serialises them, minus what a failed query carries: drizzle puts the statement's parameters
 * (an order's e-mail and address among them) on `params` and at the end of its message and stack.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  const serialized = { ...pino.stdSerializers.err(err as Error) } as Record<string, unknown>;
  delete serialized.params;
  for (const field of ['message', 'stack'] as const) {
    if (typeof serialized[field] === 'string') serialized[field] = (serialized[field] as string).replace(/\nparams: [^\n]*/g, '\nparams: [redacted]');
  }
  return serialized;
}

export const LOG_SERIALIZERS = { err: serializeError };

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: process.env.SERVICE_NAME ?? 'hotpath' },
  redact: LOG_REDACTION,
  serializers: LOG_SERIALIZERS,
  // Lines written inside a traced request or activity name their trace, to jump from a log to the trace.
  mixin: traceIds,
});
