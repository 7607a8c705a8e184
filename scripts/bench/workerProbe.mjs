// Preloaded into the bench's worker process (NODE_OPTIONS=--import ...): when the worker is created, writes its
// effective, compiled options (SDK defaults plus whatever worker/createWorker.ts sets) to
// BENCH_WORKER_OPTIONS_FILE, so each result file records the worker configuration it was measured with.
// Plain JS because it loads before tsx does. It changes nothing else in the worker.
import { writeFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';

const file = process.env.BENCH_WORKER_OPTIONS_FILE;
const SKIP = new Set(['workflowBundle', 'loadedDataConverter', 'dataConverter', 'interceptors', 'connection', 'sinks', 'bundlerOptions', 'plugins', 'logger']);

function describe(value, depth = 0) {
  if (value === null || value === undefined) return value;
  if (typeof value === 'function') return undefined;
  if (typeof value === 'string') return value.length > 300 ? `${value.slice(0, 60)}… (${value.length} chars)` : value;
  if (typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (value instanceof Map) return [...value.keys()].map(String);
  if (depth > 4) return '…';
  if (Array.isArray(value)) return value.map((v) => describe(v, depth + 1));
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (SKIP.has(k)) continue;
    const d = describe(v, depth + 1);
    if (d !== undefined) out[k] = d;
  }
  return out;
}

if (file && isMainThread) {
  const { Worker } = await import('@temporalio/worker');
  const create = Worker.create;
  Worker.create = async function (...args) {
    const worker = await create.apply(this, args);
    try {
      writeFileSync(file, JSON.stringify(describe(worker.options), null, 2));
    } catch {
      // best effort: the bench records "unknown" without it
    }
    return worker;
  };
}

// BENCH_WORKER_CPU_PROFILE=<file>: a V8 CPU profile of the worker's main thread, written when it exits
// (`node --cpu-prof` is not allowed in NODE_OPTIONS). With BENCH_WORKER_CPU_PROFILE_WINDOW=<after s>:<for s> it covers
// only that window (steady state, no boot or bundling) and every thread that loads this file does the same: the SDK's
// workflow worker_thread writes <file>.thread-<id>.cpuprofile. Summarise with
// `npx tsx scripts/bench/profileSummary.ts <file>`, or open it in Chrome DevTools.
const profileFile = process.env.BENCH_WORKER_CPU_PROFILE;
const profileWindow = process.env.BENCH_WORKER_CPU_PROFILE_WINDOW?.split(':').map(Number);
if (profileWindow && (profileWindow.length !== 2 || profileWindow.some((n) => !Number.isFinite(n) || n < 0))) {
  throw new Error(`BENCH_WORKER_CPU_PROFILE_WINDOW=${process.env.BENCH_WORKER_CPU_PROFILE_WINDOW}: expected <after s>:<for s>`);
}
if (profileFile && (isMainThread || profileWindow)) {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const out = isMainThread ? profileFile : `${profileFile}.thread-${threadId}.cpuprofile`;
  const stop = () =>
    // The in-process inspector answers synchronously, so the profile is written before the process ends.
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(out, JSON.stringify(result.profile));
    });
  const start = () => {
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 1000 });
    session.post('Profiler.start');
  };
  if (profileWindow) {
    const [afterS, forS] = profileWindow;
    let running = false;
    const stopOnce = () => {
      if (running) stop();
      running = false;
    };
    setTimeout(() => {
      start();
      running = true;
      setTimeout(stopOnce, forS * 1000).unref();
    }, afterS * 1000).unref();
    // A process that ends inside the window still writes what it has.
    process.on('exit', stopOnce);
  } else {
    start();
    process.on('exit', stop);
  }
}
