import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { RequestHandler } from 'express';
import type { Config } from './config';

export interface Tracing {
  /** Client, worker and workflow interceptors of the Temporal SDK: carries the trace from API to activities. */
  plugin: OpenTelemetryPlugin;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let current: Tracing | undefined;

/**
 * OpenTelemetry tracing, off unless TRACING_EXPORTER says otherwise: `otlp` sends to the collector the
 * standard OTEL_EXPORTER_OTLP_ENDPOINT names (default http://localhost:4318), `console` prints spans.
 * One tracer provider per process; `npm start` (API and worker in one process) shares it.
 */
export function startTracing(config: Pick<Config, 'TRACING_EXPORTER'>, serviceName: string): Tracing | undefined {
  if (config.TRACING_EXPORTER === 'off') return undefined;
  if (current) return current;
  const resource = new Resource({ 'service.name': process.env.OTEL_SERVICE_NAME ?? serviceName });
  const exporter = config.TRACING_EXPORTER === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  current = {
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor }),
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      current = undefined;
    },
  };
  return current;
}

/**
 * A server span per API request, continuing a caller's `traceparent`; the saga's start inside it becomes
 * its child, so one trace runs from the checkout's request to the last activity.
 */
export function requestTracing(): RequestHandler {
  const tracer = trace.getTracer('hotpath-api');
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
