/**
 * What an anonymous request costs the API (docs/reliability.md, "Security"): `npx tsx scripts/security/anonymousCost.ts`.
 *
 * The API (createApp) runs in a child process with a database and a Temporal client that only count what is
 * asked of them (a real credential check, no real backends: an anonymous request must not reach them anyway).
 * This process sends, as an outsider: 64 KB bodies of tiny values to POST /orders, 8 MB bodies to POST
 * /codec/decode (headers only, then the first 64 KB: the answer must not wait for the rest), and GET /healthz
 * alone and while eight senders of those bodies run at once. It prints latencies and the server's CPU time per
 * request.
 */
import { fork } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import pino from 'pino';

const SELF = fileURLToPath(import.meta.url);

if (process.env.ANONYMOUS_COST_SERVER === '1') {
  const { createApp } = await import('../../api/app');
  const touched = { db: 0, temporal: 0 };
  const db = {
    execute: async () => {
      touched.db++;
      return [];
    },
    transaction: async () => {
      touched.db++;
      throw new Error('no database here');
    },
  };
  const client = {
    withDeadline: async (_deadline: number, fn: () => Promise<unknown>) => fn(),
    workflowService: {
      getSystemInfo: async () => {
        touched.temporal++;
        return {};
      },
    },
  };
  const app = createApp({
    db,
    saga: { client, taskQueue: 'none' },
    launcher: {},
    log: pino({ level: 'silent' }),
    credentials: [{ principal: 'checkout-web', role: 'checkout', token: 'a-checkout-token-of-some-length' }],
    rateLimitPerMinute: 1_000_000_000,
  } as never);
  const server = app.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('message', () => process.send!({ cpu: process.cpuUsage(), touched }));
} else {
  await measure();
}

async function measure() {
  const child = fork(SELF, [], { env: { ...process.env, ANONYMOUS_COST_SERVER: '1' }, execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  type Stats = { cpu: NodeJS.CpuUsage; touched: { db: number; temporal: number } };
  const stats = () =>
    new Promise<Stats>((resolve) => {
      child.once('message', (m) => resolve(m as Stats));
      child.send('stats');
    });

  const tiny = Buffer.from(`[${Array(32 * 1024 - 1).fill('0').join(',')}]`);
  const firstOf8Mb = Buffer.from(`[${Array(32 * 1024 - 1).fill('0').join(',')},`);

  /** Milliseconds from the first byte sent to the status line; the request is cut off once answered. */
  const send = (method: string, path: string, declared: number | undefined, bytes?: Buffer) =>
    new Promise<{ ms: number; status: number }>((resolve, reject) => {
      const started = performance.now();
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { ...(declared === undefined ? {} : { 'content-type': 'application/json', 'content-length': declared }), connection: 'close' } }, (res) => {
        resolve({ ms: performance.now() - started, status: res.statusCode! });
        res.resume();
        req.destroy();
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      if (bytes) req.write(bytes);
      if (declared === undefined || bytes?.length === declared) req.end();
    });

  const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
  const line = (name: string, xs: number[]) => console.log(`${name.padEnd(58)} n=${xs.length} p50 ${percentile(xs, 50).toFixed(2)} ms  p99 ${percentile(xs, 99).toFixed(2)} ms  max ${Math.max(...xs).toFixed(2)} ms`);
  const run = async (n: number, one: () => Promise<{ ms: number; status: number }>) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const { ms, status } = await one();
      if (status !== 401 && status !== 200) throw new Error(`unexpected ${status}`);
      times.push(ms);
    }
    return times;
  };

  for (let i = 0; i < 50; i++) await send('GET', '/orders/ord_warmup', undefined);
  const before = await stats();
  const N = 500;
  line('anonymous GET /orders/{id} (no body): 401', await run(N, () => send('GET', '/orders/ord_x', undefined)));
  line('anonymous POST /orders, 64 KB of tiny values: 401', await run(N, () => send('POST', '/orders', tiny.length, tiny)));
  line('anonymous POST /codec/decode, 8 MB declared, 64 KB sent: 401', await run(N, () => send('POST', '/codec/decode', 8 * 1024 * 1024, firstOf8Mb)));
  const after = await stats();
  const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
  console.log(`server CPU per anonymous request (mean of ${3 * N}, all three kinds): ${(cpuMs / (3 * N)).toFixed(3)} ms; database asked ${after.touched.db - before.touched.db}×, Temporal ${after.touched.temporal - before.touched.temporal}×`);

  line('GET /healthz, quiet', await run(200, () => send('GET', '/healthz', undefined)));
  let flooding = true;
  const flood = Array.from({ length: 8 }, async (_, i) => {
    while (flooding) await (i % 2 ? send('POST', '/orders', tiny.length, tiny) : send('POST', '/codec/decode', 8 * 1024 * 1024, firstOf8Mb));
  });
  const probesBefore = (await stats()).touched;
  line('GET /healthz, while 8 anonymous body senders run at once', await run(200, () => send('GET', '/healthz', undefined)));
  const probesAfter = (await stats()).touched;
  flooding = false;
  await Promise.all(flood);
  console.log(`healthz probes for those 200 requests: database ${probesAfter.db - probesBefore.db}, Temporal ${probesAfter.temporal - probesBefore.temporal}`);
  child.kill();
}
