import type { Client } from '@temporalio/client';
import type { Pool } from 'undici';
import { orderIdFor } from './orders';
import type { SimLatencies } from './sim';
import type { Stack } from './stack';

export interface BenchContext {
  stack: Stack;
  runId: string;
  simLatencies: SimLatencies;
  pool(origin: string): Pool;
  /** A Temporal client of the bench itself (no payload codec: it only terminates and reads histories). */
  temporal(): Promise<Client>;
  log(line: string): void;
}

export type Endpoint = 'hotpath' | 'insert-only' | 'chain' | 'breakdown';

/** Where each endpoint lives and how its requests look: the same body and headers for all of them. */
export function endpointTarget(ctx: BenchContext, endpoint: Endpoint) {
  const { stack } = ctx;
  const origin = endpoint === 'hotpath' ? stack.apiUrl : stack.baselinesUrl;
  const path = { hotpath: '/orders', 'insert-only': '/insert-only', chain: '/chain-orders', breakdown: '/breakdown-orders' }[endpoint];
  const okStatus = endpoint === 'chain' ? (s: number) => s === 201 : (s: number) => s === 202;
  return {
    pool: ctx.pool(origin),
    path,
    okStatus,
    headers: (key: string) => ({
      'content-type': 'application/json',
      'idempotency-key': key,
      ...(endpoint === 'hotpath' ? { authorization: `Bearer ${stack.checkoutToken}` } : {}),
    }),
  };
}

/** Idempotency keys are unique per run, section and request; the order id follows from the key. */
export function keyFor(ctx: BenchContext, tag: string, i: number): string {
  return `bench-${ctx.runId}-${tag}-${i}`;
}

export { orderIdFor };

/** The simulated vendor time on the saga's critical paths. Reserving is Hotpath's own Postgres work, in parallel with the authorization. */
export function criticalPaths(l: SimLatencies) {
  const toHandoff = l.authorize + l.label + l.wms;
  return { toHandoffMs: toHandoff, toCompletionMs: toHandoff + l.capture + l.notify + l.erp };
}
