import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { startTracing } from '../../lib/tracing';
import { clientOf, startOwnApi } from '../support/ownApi';
import { startOwnWorker } from '../support/ownWorker';
import { newIdempotencyKey, newSku, orderRequest } from '../support/stack';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** A stand-in OpenTelemetry collector: the OTLP/HTTP JSON the exporter sends, kept as received. */
function startCollector() {
  const spans: (ExportedSpan & { service: string })[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: ExportedSpan[] }[] }[];
      };
      for (const rs of payload.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { spans, server };
}

const TRACING = { TRACING_EXPORTER: 'otlp' };
let collector: ReturnType<typeof startCollector>;
let api: RunningApi;
let stopWorker: () => Promise<void>;

describe('OpenTelemetry tracing', () => {
  beforeAll(async () => {
    collector = startCollector();
    await new Promise<void>((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.server.address() as AddressInfo).port}`;
    const taskQueue = `tracing-${process.pid}`;
    stopWorker = await startOwnWorker(taskQueue, TRACING);
    api = await startOwnApi({ taskQueue, env: TRACING });
  });
  afterAll(async () => {
    await api?.close();
    await stopWorker?.();
    await startTracing(TRACING as { TRACING_EXPORTER: 'otlp' }, 'test')?.shutdown();
    collector?.server.close();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  });

  it("carries the checkout's trace from the API request through the workflow to every activity", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const sku = await newSku({ 'wh-east': 3 });
    const { call, statusOf } = clientOf(api);
    const placed = await call('/orders', orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }] }), {
      'idempotency-key': newIdempotencyKey(),
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    expect(placed.status).toBe(202);
    expect((await statusOf(placed.body.orderId, ['completed'], 60_000)).status).toBe('completed');

    await expect
      .poll(
        async () => {
          await startTracing(TRACING as { TRACING_EXPORTER: 'otlp' }, 'test')!.flush();
          return collector.spans.filter((s) => s.traceId === traceId).map((s) => s.name);
        },
        { timeout: 20_000, interval: 250 },
      )
      .toEqual(expect.arrayContaining(['POST /orders', 'StartWorkflow:orderWorkflowV3', 'RunWorkflow:orderWorkflowV3', 'RunActivity:reserveInventory', 'RunActivity:authorizePayment', 'RunActivity:capturePayment', 'RunActivity:recordOrderInErp']));

    const inTrace = collector.spans.filter((s) => s.traceId === traceId);
    // The API's span continues the caller's: its parent is the span named in the traceparent header.
    expect(inTrace.find((s) => s.name === 'POST /orders')!.parentSpanId).toBe(callerSpanId);
    // Every span hangs off another span of the same trace (or the caller's): one tree, no orphans.
    const ids = new Set([callerSpanId, ...inTrace.map((s) => s.spanId)]);
    expect(inTrace.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
  });
});
