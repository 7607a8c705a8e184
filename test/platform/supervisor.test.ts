import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type ChildSpec } from '../../lib/supervisor/supervisor';

// The supervisor behind `npm start`, with tiny child scripts instead of the stack.
const fixtures = fileURLToPath(new URL('../fixtures/supervisor/', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const script = (file: string, name: string, env: Record<string, string> = {}, extra: Partial<ChildSpec> = {}): ChildSpec => ({
  name,
  command: process.execPath,
  args: [path.join(fixtures, file)],
  env: { ...process.env, WHO: name, ...env },
  stopGraceMs: 1000,
  ...extra,
});
/** Running, not a zombie waiting for whoever inherited it to reap it. */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
};
const waitFor = async (what: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

describe('supervisor', () => {
  it('prefixes every line of stdout and stderr with the process name, and starts children at the niceness asked, every thread included', async () => {
    const lines: string[] = [];
    supervisor = new Supervisor({ write: (l) => lines.push(l), color: false });
    await supervisor.start([script('talker.mjs', 'api', {}, { ready: /^ready$/ }), script('talker.mjs', 'worker-1', {}, { ready: /^ready$/, nice: 7 })]);
    expect(lines).toContain('api        | hello from api');
    // stderr is its own pipe: its line may arrive after stdout's `ready`.
    await waitFor(() => lines.includes('api        | a line on stderr'));
    expect(lines).toContain('worker-1   | hello from worker-1');
    expect(lines.find((l) => l.startsWith('api        | thread nices'))).toMatch(/\| thread nices 0(,0)+$/);
    // Every thread of the worker (main, V8 and libuv helpers, the worker_thread) runs at 7, not just the main one.
    const workerNices = lines.find((l) => l.startsWith('worker-1   | thread nices'))!.split(' ').at(-1)!.split(',');
    expect(workerNices.length).toBeGreaterThan(3);
    expect(new Set(workerNices)).toEqual(new Set(['7']));
  });

  it('restarts a child that died, after its backoff, and logs the death', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'supervisor-test-'));
    try {
      const lines: string[] = [];
      const stamps: [number, string][] = [];
      supervisor = new Supervisor({ write: (l) => (lines.push(l), stamps.push([Date.now(), l])), color: false, backoffMs: 300 });
      await supervisor.start([script('flaky.mjs', 'flaky', { MARKER: path.join(dir, 'marker') }, { ready: /ready/ })]);
      const died = stamps.find(([, l]) => l.includes('flaky died (code 1); restarting in 0.3 s (death 1 of 3 allowed within 60 s)'));
      const again = stamps.find(([, l]) => l.includes('second run: ready'));
      expect(died).toBeDefined();
      expect(again).toBeDefined();
      expect(again![0] - died![0]).toBeGreaterThanOrEqual(290);
      expect(lines.filter((l) => /supervisor \| started flaky/.test(l))).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops everything when a child dies three times within the window, naming it and showing its last lines', async () => {
    const lines: string[] = [];
    supervisor = new Supervisor({ write: (l) => lines.push(l), color: false, backoffMs: 20, maxDeaths: 3, deathWindowMs: 60_000 });
    await supervisor.start([script('talker.mjs', 'steady', {}, { ready: /^ready$/ })]);
    const steadyPid = supervisor.pid('steady')!;
    await expect(supervisor.start([script('crasher.mjs', 'crasher', {}, { ready: /never/ })])).rejects.toThrow(/crasher/);
    const outcome = await supervisor.done;
    expect(outcome).toMatchObject({ reason: 'crash-loop', name: 'crasher' });
    expect(outcome.reason === 'crash-loop' && outcome.lastLines.join('\n')).toMatch(/about to crash/);
    const report = lines.find((l) => l.includes('crasher died (code 3) 3 times within 60 s: stopping everything'));
    expect(report).toMatch(/Its last log lines:\n {4}about to crash/);
    expect(lines.filter((l) => /supervisor \| started crasher/.test(l))).toHaveLength(3);
    expect(alive(steadyPid)).toBe(false);
  });

  it('leaves no process behind when the supervisor gets SIGTERM: children, grandchildren, and one that ignores SIGTERM', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(fixtures, 'run.mjs')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor(() => out.includes('all ready'), 30_000);
    const children = out.match(/pids ([\d,]+)/)![1]!.split(',').map(Number);
    const grandchildren = [...out.matchAll(/\| grandchild (\d+)/g)].map((m) => Number(m[1]));
    expect(children).toHaveLength(3);
    expect(grandchildren).toHaveLength(3);
    expect([...children, ...grandchildren].every(alive)).toBe(true);

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('stubborn did not stop within 0.5 s: SIGKILL');
    await waitFor(() => ![...children, ...grandchildren].some(alive), 5000);
  });
});
