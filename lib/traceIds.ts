import { trace } from '@opentelemetry/api';

/** The active trace and span ids, for log lines (a pino mixin); empty when tracing is off. */
export function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
