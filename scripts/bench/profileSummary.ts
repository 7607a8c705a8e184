/**
 * Summarises a V8 CPU profile: self time by function and by package (node_modules/<pkg>, the project's own
 * folders, node internals), to say where a process spends its CPU without opening DevTools.
 *   npx tsx scripts/bench/profileSummary.ts worker.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profileSummary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const top = Number(topArg ?? 25);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));

function area(url: string, fn: string): string {
  if (!url) return fn === '(garbage collector)' ? '(gc)' : fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/work\/[^/]+\/([^/]+)\//.exec(url) ?? /\/(activities|workflows|worker|lib|db|api|sim)\//.exec(url);
  return own ? `hotpath ${own[1]}` : url;
}

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const node = nodes.get(id);
  if (!node) continue;
  total += us;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = area(url, functionName);
  if (functionName !== '(idle)') byArea.set(where, (byArea.get(where) ?? 0) + us);
  const key = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const busy = total - (byFunction.get('(idle) ') ?? 0);
const print = (title: string, rows: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...rows].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`);
  }
};
console.log(`profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall, ${(busy / 1000).toFixed(0)} ms on CPU (idle excluded)`);
print('self time by package / area', byArea);
print('self time by function', byFunction);
