/**
 * Reservation rate on one hot SKU, straight against Postgres: the flash-sale section of `npm run bench`
 * (scripts/bench/flashSale.ts) on an embedded Postgres of its own (or DATABASE_URL), at 1, 4, 16, 64 and 256
 * concurrent reservers of 1 unit each, for every implementation (the SELECT … FOR UPDATE baseline on one connection per reserver and on at most 16, reserve()'s
 * one-order transaction, reserve() coalescing, the bucket prototype), then a sell-out. Prints a markdown table and
 * the goal's check; `--write` also puts them in docs/benchmarks.md between the hot-sku markers (which
 * scripts/bench/report.ts keeps when it regenerates the page) and the run's JSON in bench-results/.
 * Usage: npm run bench:reservations [-- --seconds 3 --concurrency 1,4,16,64,256 --only hotpath-reserve,select-for-update --write]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, chmod, writeFile, mkdir } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrateDatabase } from '../db/migrate';
import { flashSale, type FlashResult } from './bench/flashSale';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,4,16,64,256' },
    only: { type: 'string' },
    'sellout-units': { type: 'string', default: '500' },
    'max-connections': { type: 'string', default: '190' },
    write: { type: 'boolean', default: false },
  },
});
const concurrencies = values.concurrency.split(',').map(Number);
const plan = {
  concurrencies,
  seconds: Number(values.seconds),
  selloutUnits: Number(values['sellout-units']),
  preparedOrders: 150_000,
  maxConnections: Number(values['max-connections']),
  ...(values.only ? { implementations: values.only.split(',') } : {}),
};

let url = process.env.DATABASE_URL;
let cleanup = async () => {};
if (!url) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hotpath-bench-'));
  await chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  url = pg.url;
  cleanup = async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
let result: FlashResult;
try {
  await migrateDatabase(url);
  result = await flashSale(url, `r${Date.now().toString(36)}`, plan, (line) => console.error(line));
} finally {
  await cleanup();
}

const commit = (() => {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'activities', 'db', 'scripts'], { cwd: root }).toString().trim() !== '';
    return dirty ? `${sha} + uncommitted changes` : sha;
  } catch {
    return 'unknown';
  }
})();

/** The faster FOR UPDATE baseline at this many reservers (one connection per reserver, or at most 16): the ratio is against it. */
function bestBaseline(r: FlashResult, concurrency: number) {
  return r.runs
    .filter((b) => b.implementation.startsWith('select-for-update') && b.concurrency === concurrency)
    .sort((a, b) => (b.perSecond ?? 0) - (a.perSecond ?? 0))[0];
}

function renderHotSku(r: FlashResult, meta: { at: string; commit: string; machine: string }): string {
  const L: string[] = [];
  L.push(`Measured ${meta.at} by \`npm run bench:reservations\` at commit ${meta.commit}, ${meta.machine}, embedded Postgres 18 (fsync on), ${r.plan.seconds} s per run.`, '');
  L.push(`${r.how}. \`hotpath-reserve\` is what the saga runs; how it keeps every guarantee of a reservation, and why it was kept over the buckets: [docs/inventory.md](inventory.md#a-hot-sku-many-reservations-per-commit).`, '');
  L.push('| Implementation | Reservers | Connections (pool / peak open) | Reservations/s | × the faster FOR UPDATE | p50 ms | p99 ms | Orders per transaction | Oversold | Holds ≠ reservations |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const x of r.runs) {
    const base = bestBaseline(r, x.concurrency)?.perSecond;
    const ratio = base && x.perSecond ? `${(x.perSecond / base).toFixed(1)}×` : 'n/a';
    const perTx = x.ordersPerTransaction === undefined ? '1' : `${x.ordersPerTransaction} (max ${x.largestTransaction})`;
    L.push(`| ${x.implementation} | ${x.concurrency} | ${x.poolMax} / ${x.peakConnections} | ${x.perSecond} | ${ratio} | ${x.latencyMs.p50} | ${x.latencyMs.p99} | ${perTx} | ${x.oversold} | ${x.heldMismatch} |`);
  }
  L.push('', `Sell-out (${r.sellouts[0]?.concurrency ?? '?'} reservers, ${r.plan.selloutUnits} units over two warehouses, each reserver reserving until refused):`, '');
  L.push('| Implementation | Units | Reserved | Refused | Available after | Oversold | Holds ≠ reservations | Seconds |', '|---|---|---|---|---|---|---|---|');
  for (const x of r.sellouts) L.push(`| ${x.implementation} | ${x.units} | ${x.reservations} | ${x.refused} | ${x.availableAfter} | ${x.oversold} | ${x.heldMismatch} | ${x.seconds} |`);
  const base = bestBaseline(r, 64);
  const ours = r.runs.find((x) => x.implementation === 'hotpath-reserve' && x.concurrency === 64);
  const sold = r.sellouts.find((x) => x.implementation === 'hotpath-reserve');
  if (base && ours && base.perSecond && ours.perSecond) {
    const ratio = ours.perSecond / base.perSecond;
    const met = ratio >= 5 && (ours.latencyMs.p99 ?? Infinity) <= 100 && ours.oversold === 0 && (!sold || (sold.oversold === 0 && sold.availableAfter === 0));
    L.push('', `Goal at 64 reservers (≥ 5× the baseline's reservations/s, p99 ≤ 100 ms, 0 oversold): **${met ? 'met' : 'not met'}**, ${ratio.toFixed(1)}× (${ours.perSecond} vs ${base.perSecond}/s of ${base.implementation}, the faster of the two baseline pools), p99 ${ours.latencyMs.p99} ms, oversold ${ours.oversold}${sold ? `; sell-out ${sold.reservations} of ${sold.units} sold, ${sold.oversold} oversold` : ''}.`);
  }
  return L.join('\n');
}

const at = new Date().toISOString();
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`;
const table = renderHotSku(result, { at, commit, machine });
console.log(table);

if (values.write) {
  const START = '<!-- hot-sku:start -->';
  const END = '<!-- hot-sku:end -->';
  const file = path.join(root, 'docs/benchmarks.md');
  const doc = await readFile(file, 'utf8');
  const block = `${START}\n### A hot SKU past the row lock (\`npm run bench:reservations\`)\n\n${table}\n${END}`;
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  const next = start >= 0 && end > start ? doc.slice(0, start) + block + doc.slice(end + END.length) : doc.replace('\n## Method notes', `\n${block}\n\n## Method notes`);
  await writeFile(file, next);
  await mkdir(path.join(root, 'bench-results/reservations'), { recursive: true });
  await writeFile(path.join(root, `bench-results/reservations/${at.replace(/[:.]/g, '-')}.json`), JSON.stringify({ at, commit, machine, result }, null, 2));
  console.error('wrote docs/benchmarks.md (hot-sku block) and bench-results/');
}
