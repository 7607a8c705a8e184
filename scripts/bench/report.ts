/**
 * Renders docs/benchmarks.md and its latency chart (SVG) from a bench result file. Keeps whatever is between
 * the Tuning markers of the existing document. Run by `npm run bench`; by hand:
 *   npx tsx scripts/bench/report.ts [bench-results/latest.json] [--md docs/benchmarks.md] [--svg docs/benchmarks-latency.svg]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LatencyResult } from './latency';
import { ok, type BenchResult, type Failed } from './results';
import type { Summary } from './stats';

const TUNING_START = '<!-- tuning:start -->';
const TUNING_END = '<!-- tuning:end -->';
/** Hand-kept (from `npm run bench:start` result files): the `npm start` layout, shown right after the create-order table. */
const START_LAYOUT_START = '<!-- start-layout:start -->';
const START_LAYOUT_END = '<!-- start-layout:end -->';
/** Hand-kept (written by `npm run bench:reservations -- --write`): the hot SKU at 1–256 reservers, shown after the flash sale. */
const HOT_SKU_START = '<!-- hot-sku:start -->';
const HOT_SKU_END = '<!-- hot-sku:end -->';
/** Hand-kept (written by `npm run bench:scaleout -- --write`): two APIs, three workers, Temporal on Postgres, a kill; shown after saga throughput. */
const SCALE_OUT_START = '<!-- scale-out:start -->';
const SCALE_OUT_END = '<!-- scale-out:end -->';

/** The text between two markers of an earlier rendering, markers included, or undefined. */
function keptBlock(existing: string, startMarker: string, endMarker: string): string | undefined {
  const start = existing.indexOf(startMarker);
  const end = existing.indexOf(endMarker);
  return start >= 0 && end > start ? existing.slice(start, end + endMarker.length) : undefined;
}

const TUNING_PLACEHOLDER = `${TUNING_START}
_Placeholder, to be filled by the lead: each change tried on the hot path or the worker (option, value), with the
before/after numbers of the same section from two result files, and whether it was kept._

| Change | Section | Before | After | Kept |
|---|---|---|---|---|
| | | | | |
${TUNING_END}`;

const n = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? 'n/a' : `${v}${unit}`);
const threadList = (rows: Record<string, number>) => Object.entries(rows).map(([name, ms]) => '`' + name + '` ' + ms + ' ms').join(', ');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const failed = (name: string, s: Failed) => `**${name} failed** in this run: \`${cell(s.error.split('\n')[0] ?? '')}\`\n`;
const pcts = (s: Summary) => `${n(s.p50)} | ${n(s.p95)} | ${n(s.p99)}`;

const COLORS: Record<string, string> = { hotpath: '#1f77b4', 'hotpath-worker-paused': '#9467bd', 'insert-only': '#2ca02c', chain: '#d62728' };
const DASHES: Record<string, string> = { p50: '', p95: '7 4', p99: '2 3' };

/** Latency p50/p95/p99 per rate for the three endpoints, log scale, hand-written SVG. */
export function latencyChart(latency: LatencyResult): string {
  const W = 810;
  const H = 440;
  const m = { left: 70, right: 220, top: 44, bottom: 52 };
  const rates = latency.plan.rates;
  const values = latency.steps.flatMap((s) => [s.latencyMs.p50, s.latencyMs.p95, s.latencyMs.p99]).filter((v): v is number => typeof v === 'number' && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values, 25)));
  const hi = Math.ceil(Math.log10(Math.max(...values, 25) * 1.3));
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const x = (rate: number) => m.left + (rates.length === 1 ? plotW / 2 : (rates.indexOf(rate) / (rates.length - 1)) * (plotW - 60) + 30);
  const y = (v: number) => m.top + plotH - ((Math.log10(v) - lo) / (hi - lo || 1)) * plotH;
  const label = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.left}" y="24" font-size="15" font-weight="bold">Create-order latency, open loop (log scale)</text>`,
  ];
  for (let d = lo; d <= hi; d++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** d;
      if (Math.log10(v) > hi + 1e-9) continue;
      const yy = y(v).toFixed(1);
      out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${yy}" y2="${yy}" stroke="${k === 1 ? '#ccc' : '#eee'}"/>`);
      if (k === 1 || hi - lo <= 2) out.push(`<text x="${m.left - 8}" y="${yy}" dy="4" text-anchor="end" fill="#444">${esc(label(v))}</text>`);
    }
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  for (const rate of rates) {
    out.push(`<text x="${x(rate).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle">${rate}/s</text>`);
  }
  out.push(`<text x="${m.left + plotW / 2}" y="${H - 12}" text-anchor="middle" fill="#444">arrival rate (orders/s)</text>`);
  const goalY = y(25).toFixed(1);
  out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${goalY}" y2="${goalY}" stroke="#999" stroke-dasharray="10 4 2 4"/>`);
  out.push(`<text x="${m.left + 4}" y="${goalY}" dy="-4" fill="#666" font-size="11">goal: Hotpath p99 ≤ 25 ms at 50/s</text>`);
  for (const endpoint of ['chain', 'insert-only', 'hotpath-worker-paused', 'hotpath']) {
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const pts = rates
        .map((rate) => latency.steps.find((s) => s.endpoint === endpoint && s.rate === rate))
        .filter((s) => s && s.latencyMs[p])
        .map((s) => [x(s!.rate), y(s!.latencyMs[p]!)] as const);
      if (pts.length === 0) continue;
      const dash = DASHES[p] ? ` stroke-dasharray="${DASHES[p]}"` : '';
      if (pts.length > 1) out.push(`<polyline fill="none" stroke="${COLORS[endpoint]}" stroke-width="2"${dash} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
      for (const [a, b] of pts) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${p === 'p50' ? COLORS[endpoint] : '#fff'}" stroke="${COLORS[endpoint]}" stroke-width="1.5"/>`);
    }
  }
  let ly = m.top + 8;
  const lx = m.left + plotW + 20;
  const legend = [['hotpath', 'Hotpath POST /orders'], ['hotpath-worker-paused', 'Hotpath, worker stopped'], ['insert-only', 'insert-only (floor)'], ['chain', 'synchronous chain']].filter(([e]) => latency.steps.some((st) => st.endpoint === e));
  for (const [endpoint, name] of legend) {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="10" fill="${COLORS[endpoint!]}"/><text x="${lx + 20}" y="${ly}">${esc(name!)}</text>`);
    ly += 20;
  }
  ly += 10;
  for (const p of ['p50', 'p95', 'p99']) {
    const dash = DASHES[p] ? ` stroke-dasharray="${DASHES[p]}"` : '';
    out.push(`<line x1="${lx}" x2="${lx + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="#333" stroke-width="2"${dash}/><text x="${lx + 38}" y="${ly}">${p}</text>`);
    ly += 20;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function pickWorkerOptions(options: unknown): string {
  if (!options || typeof options !== 'object') return String(options ?? 'unknown');
  const o = options as Record<string, unknown>;
  const keys = [
    'maxConcurrentActivityTaskExecutions',
    'maxConcurrentWorkflowTaskExecutions',
    'maxConcurrentLocalActivityExecutions',
    'maxCachedWorkflows',
    'workflowThreadPoolSize',
    'reuseV8Context',
    'maxConcurrentWorkflowTaskPolls',
    'maxConcurrentActivityTaskPolls',
    'workflowTaskPollerBehavior',
    'activityTaskPollerBehavior',
    'stickyQueueScheduleToStartTimeoutMs',
    'maxActivitiesPerSecond',
    'maxTaskQueueActivitiesPerSecond',
    'tuner',
  ];
  const parts = keys.filter((k) => o[k] !== undefined).map((k) => `\`${k}\` ${JSON.stringify(o[k])}`);
  return parts.length ? parts.join(', ') : 'see the result file';
}

export function renderMarkdown(r: BenchResult, options: { svgHref: string; resultsFile: string; tuning: string; startLayout?: string; hotSku?: string; scaleOut?: string }): string {
  const L: string[] = [];
  const cfg = r.config as Record<string, any>;
  L.push('# Benchmarks', '');
  L.push(`<!-- Generated by scripts/bench/report.ts from ${options.resultsFile}. Edit the generator, not this file; only the Tuning section, "The \`npm start\` layout" (from \`npm run bench:start\` result files), "A hot SKU past the row lock" (from \`npm run bench:reservations -- --write\`) and "Scale-out on this machine" (from \`npm run bench:scaleout -- --write\`) are kept across runs. -->`, '');
  if (r.mode === 'smoke') L.push('> **Smoke run**: a minute-long version for CI; the numbers are indicative only (few samples, short warm-up).', '');
  L.push(`Issue 6. Every number below comes from \`${options.resultsFile}\`, written by the run described here.`, '');
  L.push('| | |', '|---|---|');
  L.push(`| Run | ${r.startedAt} (${r.mode}, ${Math.round(r.durationSeconds)} s, boot ${n(r.bootSeconds, ' s')}) |`);
  L.push(`| Code | ${r.git.commit ?? 'unknown'}${r.git.dirty ? ` plus uncommitted changes (${r.git.changedFiles.length} files)` : ''} |`);
  const other = r.foreignLoad?.run;
  const sectionsDisturbed = Object.entries(r.foreignLoad ?? {}).filter(([k, v]) => k !== 'run' && v && v.shareOfMachine > 0.05).map(([k, v]) => `${k} ${Math.round(v!.shareOfMachine * 100)}%`);
  L.push(`| Other load | ${other ? `processes outside the bench used ${other.foreignCpuSeconds} CPU-seconds during the run (${Math.round(other.shareOfMachine * 1000) / 10}% of the machine)${sectionsDisturbed.length ? `; sections disturbed by more than 5%: ${sectionsDisturbed.join(', ')}` : ''}` : 'not measured'} |`);
  L.push(`| Machine | ${r.machine.cpus} cores (${cell(r.machine.cpuModel)}), ${r.machine.memoryGiB} GiB memory, ${cell(r.machine.os)}, Node ${r.machine.node} |`);
  L.push(`| Reproduce | \`${r.command}\`${r.mode === 'smoke' ? ' (the full run: `npm run bench`)' : ' (smoke version for CI: `npm run bench:smoke`)'}. Re-render this page: \`npx tsx scripts/bench/report.ts ${options.resultsFile}\` |`);
  L.push('');
  L.push('Everything runs on the one machine: the load generator, the API, the worker, the Temporal dev server, Postgres and the simulators share its cores, so the numbers are a floor for what separate hosts would do, and comparable only between runs on the same machine.', '');

  L.push('## Goals', '');
  L.push('| Goal | Target | Measured | Met | Margin |', '|---|---|---|---|---|');
  for (const g of r.goals) L.push(`| ${cell(g.goal)} | ${cell(g.target)} | ${cell(g.measured)} | ${g.met === null ? 'not measured' : g.met ? '**met**' : '**not met**'} | ${cell(g.margin)} |`);
  L.push('');
  const latencyOk = ok(r.sections.latency) ? r.sections.latency : undefined;
  const paused = latencyOk?.steps.filter((x) => x.endpoint === 'hotpath-worker-paused') ?? [];
  if (paused.length) {
    const line = paused.map((p) => {
      const chain = latencyOk!.steps.find((x) => x.endpoint === 'chain' && x.rate === p.rate)?.latencyMs.p95;
      const floor = latencyOk!.steps.find((x) => x.endpoint === 'insert-only' && x.rate === p.rate)?.latencyMs.p50;
      const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${Math.round((a / b) * 100) / 100}×` : 'n/a');
      return `${p.rate}/s: p99 ${n(p.latencyMs.p99, ' ms')}, chain p95 / Hotpath p95 ${ratio(chain, p.latencyMs.p95)}, Hotpath p50 / insert-only p50 ${ratio(p.latencyMs.p50, floor)}`;
    });
    L.push(`Diagnostic, not a goal: the same Hotpath requests with the worker process stopped (sagas not running next to the API on this machine): ${line.join('; ')}.`, '');
  }
  if (r.failures.length) L.push(`Harness failures in this run: ${r.failures.map((f) => `\`${cell(f)}\``).join(', ')}.`, '');

  L.push('## Setup', '');
  const lat = cfg.simLatenciesMs ?? {};
  L.push('| Simulated vendor call | Latency |', '|---|---|');
  L.push(`| inventory reserve | Hotpath's own Postgres transaction (\`reserve()\`), nothing simulated: the issue's 50 ms is not faked |`);
  L.push(`| payment authorize | ${n(lat.authorize, ' ms')} |`, `| carrier label | ${n(lat.label, ' ms')} |`, `| WMS handoff | ${n(lat.wms, ' ms')} |`, `| payment capture | ${n(lat.capture, ' ms')} |`, `| notification | ${n(lat.notify, ' ms')} |`, `| ERP record | ${n(lat.erp, ' ms')} (not in the issue's list) |`);
  L.push('');
  L.push(`Critical path of simulated time: to the WMS handoff ${n(cfg.criticalPathsMs?.toHandoffMs, ' ms')} (authorize ∥ reserve, label, WMS), to completion ${n(cfg.criticalPathsMs?.toCompletionMs, ' ms')}.`, '');
  L.push(`- **Temporal**: ${cell(cfg.temporal?.mode ?? '')}: ${cell(cfg.temporal?.why ?? '')}. CLI: ${cell(String(cfg.temporal?.cli ?? 'unknown').split('\n')[0] ?? '')}.`);
  L.push(`- **Postgres**: ${cell(cfg.postgres?.note ?? '')}; ${cell(String(cfg.postgres?.version ?? '').split(',')[0] ?? '')}.`);
  L.push(`- **Processes**: ${cfg.processes ?? ''}. The simulators run \`sim/app.ts\` behind a per-operation delay (\`scripts/bench/sim.ts\`), since the sim's latency is one value per system and payment needs two.`);
  L.push(`- **Load**: ${cfg.loadGenerator ?? ''}. Percentiles: ${cfg.percentiles ?? ''}. Each measured step follows a warm-up at the same rate.`);
  L.push(`- **Orders**: ${cfg.orders ?? ''}. Saga policy: ${cfg.sagaPolicy ?? ''}.`);
  L.push(`- **Worker** (effective options, recorded from the worker process): ${pickWorkerOptions(cfg.workerOptions)}.`);
  L.push(`- **Worker/API env** (secrets redacted): ${Object.entries((cfg.workerEnv ?? {}) as Record<string, string>).filter(([k]) => !/_URL$|NODE_OPTIONS|BENCH_/.test(k)).map(([k, v]) => `\`${k}=${cell(v)}\``).join(', ')}; the API additionally \`RATE_LIMIT_PER_MINUTE=${cfg.apiEnv?.RATE_LIMIT_PER_MINUTE ?? '?'}\`.`);
  L.push('');

  L.push('## Create-order latency', '');
  const latency = r.sections.latency;
  if (!latency) L.push('Not run.', '');
  else if (!ok(latency)) L.push(failed('latency', latency));
  else {
    L.push(`Open loop, ${latency.plan.warmupSeconds} s warm-up then ${latency.plan.seconds} s measured per step. **Hotpath** is \`POST /orders\` on the real API process, as the measured commit has it (the breakdown below shows whether the Temporal start is on the response path); **insert-only** validates and runs the same order transaction and answers (the floor); **chain** inserts the order, then reserves, authorizes, labels, hands off, captures and notifies in sequence inside the request with the saga's own activity code (the architecture the seeds replace). Both baselines are bench-only code (\`scripts/bench/baselines.ts\`) in their own process. During a Hotpath step its sagas run on the worker, as in production; the ones still running when the step ends are terminated (they are part of no measurement) so the next step starts on an idle stack.${latency.plan.workerPausedVariant ? ' **Hotpath, worker stopped** is Hotpath again with the worker process stopped during the step (its sagas wait in Temporal and run once it is back): the API without the sagas\' CPU next to it on this machine, as it would be with the worker on other hosts; a diagnostic, the goals use the full stack.' : ''}`, '');
    L.push(`![Create-order latency p50/p95/p99 per arrival rate, log scale](${options.svgHref})`, '');
    L.push('| Rate | Endpoint | n | p50 ms | p95 ms | p99 ms | max ms | errors | generator lag p99 ms | note |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const s of latency.steps) {
      const note = s.settle ? `${s.sagasCompleted ?? '?'} of ${s.sent} sagas completed by the end of the step, ${s.settle.terminated} still running then terminated${s.settle.neverStarted ? `, ${s.settle.neverStarted} not started by the API in time (deferred to the dispatcher, kept from starting)` : ''}${s.sagasStartedLate ? `; ${s.sagasStartedLate} sagas started > 1 s after their commit` : ''}` : '';
      L.push(`| ${s.rate}/s | ${s.endpoint} | ${s.latencyMs.n} | ${pcts(s.latencyMs)} | ${n(s.latencyMs.max)} | ${s.errors}${s.errorExamples.length ? ` (${cell(s.errorExamples[0]!.slice(0, 60))})` : ''} | ${n(s.sendLagMs.p99)} | ${note} |`);
    }
    L.push('');
  }

  if (options.startLayout) L.push(options.startLayout, '');

  L.push('### Where the hot path spends its time', '');
  const breakdown = r.sections.breakdown;
  if (!breakdown) L.push('Not run.', '');
  else if (!ok(breakdown)) L.push(failed('breakdown', breakdown));
  else {
    L.push(`${breakdown.rate} orders/s, ${breakdown.seconds} s after ${breakdown.warmupSeconds} s warm-up; ${breakdown.how}. "worker paused": the worker process is stopped for the step (sagas wait in Temporal and run afterwards), so the API shares the machine only with Temporal and Postgres.`, '');
    const vs = breakdown.variants;
    L.push(`| Phase | ${vs.map((v) => `${v.variant}: p50 / p95 / p99 ms`).join(' | ')} |`, `|---|${vs.map(() => '---|').join('')}`);
    const names: Record<string, string> = {
      validate: 'validation (zod, Idempotency-Key)',
      orderTransaction: 'order transaction (insert order, check SKUs, lines, event; commit)',
      placeOrderOutsideTransaction: 'placeOrder() outside the transaction (request hash, saga launch or start, outbox mark if awaited)',
      placeOrderHandler: '**whole handler** (what the request waits for)',
      temporalStart: 'Temporal `workflow.start` (gRPC to the server, history write), whenever it runs',
      commitToSagaStarted: 'order committed → `workflow.start` returned',
    };
    const triple = (x: Summary | undefined) => (x ? `${n(x.p50)} / ${n(x.p95)} / ${n(x.p99)}` : 'n/a');
    for (const k of Object.keys(vs[0]?.phasesMs ?? {})) L.push(`| ${names[k] ?? k} | ${vs.map((v) => triple(v.phasesMs[k])).join(' | ')} |`);
    L.push(`| client-observed (open loop, from the due time) | ${vs.map((v) => triple(v.clientLatencyMs)).join(' | ')} |`);
    L.push(`| Temporal starts that ended before the answer (on the response path) | ${vs.map((v) => `${v.startsInsideTheRequest} of ${v.starts}`).join(' | ')} |`);
    L.push(`| sagas still running after the step (terminated) | ${vs.map((v) => String(v.settle.terminated)).join(' | ')} |`);
    L.push('');
  }

  L.push('## Saga throughput', '');
  const tp = r.sections.throughput;
  if (!tp) L.push('Not run.', '');
  else if (!ok(tp)) L.push(failed('throughput', tp));
  else {
    L.push(`Hotpath orders at stepped arrival rates (${tp.plan.stepSeconds} s each, then wait for every saga): ${tp.criterion}. "Saga overhead" is end to end (order committed → \`completed\`) minus the ${n(cfg.criticalPathsMs?.toCompletionMs, ' ms')} of simulated vendor time on the saga's path.`, '');
    L.push('| Rate | Verdict | create p99 ms | end to end p50 / p95 ms | saga overhead p95 ms | completed | drain after step | why |', '|---|---|---|---|---|---|---|---|');
    for (const s of tp.steps) {
      L.push(`| ${s.rate}/s | ${s.good ? 'good' : '**degraded**'} | ${n(s.createOrder.latencyMs.p99)} | ${n(s.saga.endToEndMs.p50)} / ${n(s.saga.endToEndMs.p95)} | ${n(s.saga.endToEndOverheadMs.p95)} | ${s.saga.completed} of ${s.saga.orders} | ${s.drain.waitedSeconds} s | ${cell(s.why)} |`);
    }
    const su = tp.sustain;
    L.push('');
    L.push(`**Sustained**: ${su.rate} orders/s for ${su.seconds} s (${su.good ? 'held' : `**did not hold**: ${cell(su.why)}`}).`, '');
    L.push('| Measure | Value |', '|---|---|');
    L.push(`| highest good step rate | ${tp.highestGoodRate} orders/s |`);
    L.push(`| completed sagas/s inside the ${su.seconds} s window | ${n(su.completedPerSecond)} |`);
    L.push(`| completed sagas/s, first order → last completion | ${n(su.completedPerSecondIncludingDrain)} |`);
    L.push(`| sagas completed | ${su.saga.completed} of ${su.saga.orders} (${Object.entries(su.saga.statuses).map(([k, v]) => `${k} ${v}`).join(', ')}) |`);
    L.push(`| end to end p50 / p95 / p99 | ${n(su.saga.endToEndMs.p50)} / ${n(su.saga.endToEndMs.p95)} / ${n(su.saga.endToEndMs.p99)} ms |`);
    L.push(`| create-order p50 / p99 during the run | ${n(su.createOrder.latencyMs.p50)} / ${n(su.createOrder.latencyMs.p99)} ms |`);
    L.push(`| **worker CPU per saga** | ${n(su.cpuMsPerSaga.worker, ' ms')} |`);
    L.push(`| CPU per saga, other processes | ${Object.entries(su.cpuMsPerSaga).filter(([k]) => k !== 'worker').map(([k, v]) => `${k} ${n(v, ' ms')}`).join(', ')} |`);
    if (su.workerThreadCpuMsPerSaga) L.push(`| worker CPU per saga by thread | ${threadList(su.workerThreadCpuMsPerSaga)} |`);
    L.push(`| **worker RSS** peak during the run (sampled every 0.5 s) / high-water mark | ${n(su.workerPeakRssMiB, ' MiB')} / ${n(su.workerRssHighWaterMiB, ' MiB')} |`);
    L.push('');
    L.push('CPU is user + system time from `/proc/<pid>/stat` (the process and its descendants), read when the sustained run starts and after its last saga finished, divided by the sagas completed.', '');
  }

  if (options.scaleOut) L.push(options.scaleOut, '');

  L.push('## Orchestration overhead', '');
  const ov = r.sections.overhead;
  if (!ov) L.push('Not run.', '');
  else if (!ok(ov)) L.push(failed('overhead', ov));
  else {
    L.push(`${ov.rate} orders/s (${ov.rateSource}), ${ov.seconds} s after ${ov.warmupSeconds} s warm-up. Time from ${ov.source}; minus the critical path ${ov.criticalPathMs} ms = ${ov.criticalPath}.`, '');
    L.push('| Measure | n | p50 ms | p95 ms | p99 ms |', '|---|---|---|---|---|');
    L.push(`| **orchestration overhead** (to handoff − ${ov.criticalPathMs} ms) | ${ov.saga.orchestrationOverheadMs.n} | ${pcts(ov.saga.orchestrationOverheadMs)} |`);
    L.push(`| order → WMS handoff | ${ov.saga.toHandoffMs.n} | ${pcts(ov.saga.toHandoffMs)} |`);
    L.push(`| order → completed | ${ov.saga.endToEndMs.n} | ${pcts(ov.saga.endToEndMs)} |`);
    L.push(`| order → saga started (outbox mark) | ${ov.saga.startDelayMs.n} | ${pcts(ov.saga.startDelayMs)} |`);
    L.push('');
    L.push(`CPU per saga at this rate: ${Object.entries(ov.cpuMsPerSaga).map(([k, v]) => `${k} ${n(v, ' ms')}`).join(', ')}.`, '');
    if (ov.workerThreadCpuMsPerSaga) L.push(`The worker's share by thread: ${threadList(ov.workerThreadCpuMsPerSaga)}.`, '');
    const h = ov.history;
    if ('error' in h) L.push(`Workflow-history breakdown failed: \`${cell(h.error)}\``, '');
    else {
      L.push(`Where it goes, from the workflow histories of ${h.analysed} of these orders (${h.how}):`, '');
      L.push('| Component (per order, on the way to the handoff) | p50 ms | p95 ms |', '|---|---|---|');
      const labels: Record<string, string> = {
        commitToWorkflowStart: 'order commit → workflow started (API: Temporal start)',
        workflowTaskQueue: 'workflow tasks waiting for the worker (sum)',
        workflowTaskRun: 'workflow tasks running in the worker, incl. local activities (status writes) (sum)',
        workflowTasks: 'number of workflow tasks (count, not ms)',
        activityQueue: 'gating activities waiting for the worker (sum)',
        activityRunBeyondSimulated: 'gating activities running beyond the simulated latency: Postgres, HTTP, codec (sum)',
        unaccounted: 'between events, unaccounted',
        total: 'total: order commit → handoff activity completed, minus the critical path',
      };
      for (const [k, v] of Object.entries(h.componentsMs)) L.push(`| ${labels[k] ?? k} | ${n(v.p50)} | ${n(v.p95)} |`);
      L.push('');
    }
  }

  L.push('## Flash sale: one hot SKU', '');
  const fl = r.sections.flash;
  if (!fl) L.push('Not run.', '');
  else if (!ok(fl)) L.push(failed('flash', fl));
  else {
    L.push(`${fl.how}. ${fl.plan.seconds} s per run.`, '');
    L.push('| Implementation | Reservers | Connections (pool / peak open) | Reservations/s | p50 ms | p99 ms | Orders per transaction | Oversold | Holds ≠ reservations |', '|---|---|---|---|---|---|---|---|---|');
    for (const x of fl.runs) {
      const perTx = x.ordersPerTransaction === undefined ? '1' : `${n(x.ordersPerTransaction)} (max ${x.largestTransaction})`;
      L.push(`| ${x.implementation} | ${x.concurrency} | ${n(x.poolMax)} / ${n(x.peakConnections)} | ${n(x.perSecond)}${x.exhausted ? ' (ran out of prepared orders)' : ''} | ${n(x.latencyMs.p50)} | ${n(x.latencyMs.p99)} | ${perTx} | ${x.oversold} | ${x.heldMismatch} |`);
    }
    L.push('');
    L.push('Sell-out (scarce stock, more reservers than units):', '');
    L.push('| Implementation | Reservers | Units | Reserved | Refused | Available after | Oversold | Seconds |', '|---|---|---|---|---|---|---|---|');
    for (const x of fl.sellouts) L.push(`| ${x.implementation} | ${x.concurrency} | ${x.units} | ${x.reservations} | ${x.refused} | ${x.availableAfter} | ${x.oversold} | ${x.seconds} |`);
    L.push('');
  }
  if (options.hotSku) L.push(options.hotSku, '');

  L.push('## Method notes', '');
  L.push('- Open loop: requests are sent on a fixed schedule whatever the responses; each latency is measured from the request\'s scheduled time, so a stall counts against every request that should have gone out meanwhile (no coordinated omission). "generator lag" shows how late the generator itself sent.');
  L.push('- Percentiles are exact nearest-rank values over every sample of a step; with a few thousand samples a p99 rests on a few dozen of them, so small differences between runs are noise.');
  L.push('- Saga timings come from Postgres: `orders.created_at` (the order transaction) and the `order_events` rows of the saga (`shipment.handed_off`, `status = completed`), all `now()` of one server clock with microsecond precision. The simulators\' own records carry millisecond ISO times and are not used.');
  L.push('- The worker\'s effective options, the env of every process (secrets redacted), the plan of every section, versions and the commit are in the result file.');
  L.push('- Temporal is the CLI\'s dev server (one process, SQLite): its CPU per saga and its task-dispatch latency are those of the dev server, not of a production cluster. `TEMPORAL_ADDRESS=host:port npm run bench` runs the same bench against another Temporal (for example the one in docker-compose.yml, on Postgres), which must have the search attributes registered (`npm run register-search-attributes`).');
  L.push('- After each create-order latency step, the sagas still running are terminated so the next step starts idle; they are part of no measurement. Saga throughput and orchestration overhead are measured on sagas that run to the end.');
  L.push('');
  L.push('## Tuning', '');
  L.push(options.tuning);
  L.push('');
  return L.join('\n');
}

export async function renderReport(r: BenchResult, paths: { markdown: string; svg: string; resultsFile: string }): Promise<void> {
  const existing = await readFile(paths.markdown, 'utf8').catch(() => '');
  const tuning = keptBlock(existing, TUNING_START, TUNING_END) ?? TUNING_PLACEHOLDER;
  const startLayout = keptBlock(existing, START_LAYOUT_START, START_LAYOUT_END);
  const hotSku = keptBlock(existing, HOT_SKU_START, HOT_SKU_END);
  const scaleOut = keptBlock(existing, SCALE_OUT_START, SCALE_OUT_END);
  const svgHref = path.relative(path.dirname(paths.markdown), paths.svg).split(path.sep).join('/');
  if (ok(r.sections.latency)) await writeFile(paths.svg, latencyChart(r.sections.latency));
  await writeFile(paths.markdown, renderMarkdown(r, { svgHref, resultsFile: paths.resultsFile, tuning, startLayout, hotSku, scaleOut }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { md: { type: 'string' }, svg: { type: 'string' } } });
  const file = positionals[0] ?? path.join(root, 'bench-results/latest.json');
  const result = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
  await renderReport(result, {
    markdown: path.resolve(values.md ?? path.join(root, 'docs/benchmarks.md')),
    svg: path.resolve(values.svg ?? path.join(root, 'docs/benchmarks-latency.svg')),
    resultsFile: path.relative(root, path.resolve(file)),
  });
  console.log(`rendered ${values.md ?? 'docs/benchmarks.md'} from ${file}`);
}
