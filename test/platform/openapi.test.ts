import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../../api/app';
import { openApiDocument } from '../../api/openapi/document';
import { DOCUMENT_FILE } from '../../clients/ts/generate';
import { apiUrl, newIdempotencyKey, newSku, orderRequest, typedClient } from '../support/stack';

/** `METHOD /path/:param` of every route an Express app serves, found by walking its router stack. */
function servedRoutes(app: ReturnType<typeof createApp>): Set<string> {
  const found = new Set<string>();
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') found.add(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as any).router.stack);
  return found;
}

function documentedRoutes(document: { paths?: Record<string, Record<string, unknown>> }): Set<string> {
  const found = new Set<string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of Object.keys(item)) found.add(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('is served at GET /openapi.json, is a valid OpenAPI 3.1 document, and is the one the client was generated from', async () => {
    const res = await fetch(`${apiUrl()}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const served = (await res.json()) as any;
    expect(served.openapi).toBe('3.1.0');
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const result = await new Validator().validate(served);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(JSON.parse(await readFile(DOCUMENT_FILE, 'utf8'))).toEqual(served);
  });

  it('describes exactly the routes the app serves', () => {
    const app = createApp({ db: {}, saga: { client: {}, taskQueue: 'none' }, launcher: {}, log: pino({ level: 'silent' }), credentials: [], rateLimitPerMinute: 1 } as unknown as AppDeps);
    const served = servedRoutes(app);
    expect(served.size).toBeGreaterThan(15);
    expect([...documentedRoutes(openApiDocument() as never)].sort()).toEqual([...served].sort());
  });

  it('documents the Idempotency-Key and Authorization headers, every problem answer and examples', () => {
    const document = openApiDocument() as any;
    const place = document.paths['/orders'].post;
    expect(place.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true }));
    expect(place.security).toEqual([{ bearerAuth: [] }]);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const status of ['400', '401', '403', '409', '413', '415', '422', '429']) {
      expect(place.responses[status].content['application/problem+json'].example.status).toBe(Number(status));
    }
    expect(document.components.schemas.OrderRequest.example.paymentToken).toBe('tok_visa');
    for (const [path, item] of Object.entries<any>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        expect(operation.operationId, `${method} ${path}`).toEqual(expect.any(String));
        expect(Object.keys(operation.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('the interactive reference at /docs', () => {
  it('is served from this origin under a CSP that allows only its own scripts', async () => {
    const page = await fetch(`${apiUrl()}/docs`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) {
      expect(source.startsWith('/'), source).toBe(true);
      const asset = await fetch(`${apiUrl()}${source}`);
      expect(asset.status, source).toBe(200);
      await asset.arrayBuffer();
    }
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
  });
});

describe('the typed client against the running API (every answer checked against the document)', () => {
  it('places an order, reads it and lists inventory', async () => {
    const sku = await newSku({ 'wh-east': 5 });
    const client = typedClient();
    const key = newIdempotencyKey();
    const placed = await client.POST('/orders', { params: { header: { 'idempotency-key': key } }, body: orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] }) as never });
    expect(placed.response.status).toBe(202);
    const read = await client.GET('/orders/{id}', { params: { path: { id: placed.data!.orderId } } });
    expect(read.data?.lines).toEqual([{ line: 1, sku, quantity: 1, unitPriceCents: 100 }]);
    const stock = await client.GET('/inventory/{sku}', { params: { path: { sku } } });
    expect(stock.data?.warehouses.map((w) => w.warehouse)).toEqual(['wh-east']);
    const refused = await client.POST('/orders', { params: { header: { 'idempotency-key': newIdempotencyKey() } }, body: { ...orderRequest({ lines: [{ sku, quantity: 0, unitPriceCents: 1 }] }) } as never });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.detail).toMatch(/^lines\.0\.quantity:/);
  });
});
