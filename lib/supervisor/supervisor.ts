import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnChild, type ChildCommand } from '../childProcess/spawn';

/** One supervised OS process: how to start it (command, env, niceness, how it dies with the supervisor) and more. */
export interface ChildSpec extends Omit<ChildCommand, 'detached'> {
  /** Shown before each of its log lines; unique. */
  name: string;
  /** A log line matching this means it is serving. */
  ready?: RegExp;
  /** Or: polled every 250 ms until it resolves true. Without either, the child counts as ready once spawned. */
  probe?: () => Promise<boolean>;
  /** How long SIGTERM may take before the whole process group gets SIGKILL. */
  stopGraceMs?: number;
}

export interface SupervisorOptions {
  /** First restart delay; doubles with each recent death, capped at maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** This many deaths of one child within `deathWindowMs` stop everything. */
  maxDeaths?: number;
  deathWindowMs?: number;
  /** Lines of a child's output kept for the crash report. */
  keepLines?: number;
  /** Where prefixed lines go (stdout by default). */
  write?: (line: string) => void;
  color?: boolean;
  readyTimeoutMs?: number;
}

interface Running {
  spec: ChildSpec;
  child?: ChildProcess;
  deaths: number[];
  lastLines: string[];
  restartTimer?: NodeJS.Timeout;
  /** Settles when the first incarnation is ready, or rejects when the child gives up first. */
  ready: Promise<void>;
  markReady(): void;
  failReady(err: Error): void;
}

const COLORS = [36, 33, 35, 32, 34, 91, 92, 93, 94, 95, 96];

/**
 * Runs each child in its own process group (detached), so that stopping a child also stops what it spawned
 * (Postgres backends, tsx's node) and Ctrl-C reaches only the supervisor, which stops the children in order.
 * A child that dies is restarted with backoff; one that dies `maxDeaths` times within `deathWindowMs`
 * stops everything and `done` resolves with that child's name and last lines.
 */
export class Supervisor {
  private readonly children = new Map<string, Running>();
  private readonly order: string[] = [];
  private readonly opts: Required<SupervisorOptions>;
  private stopping = false;
  private nameWidth = 10;
  private resolveDone!: (outcome: SupervisorOutcome) => void;
  /** Resolves once everything is stopped: by stop(), or because a child kept dying. */
  readonly done: Promise<SupervisorOutcome>;

  constructor(options: SupervisorOptions = {}) {
    this.opts = {
      backoffMs: 1000,
      maxBackoffMs: 30_000,
      maxDeaths: 3,
      deathWindowMs: 60_000,
      keepLines: 20,
      write: (line) => process.stdout.write(`${line}\n`),
      color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      readyTimeoutMs: 120_000,
      ...options,
    };
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // Whatever ends this process (an exception, a second signal), its children must not outlive it.
    process.on('exit', () => this.killAll('SIGKILL'));
  }

  /** The supervisor's own lines. */
  log(line: string): void {
    this.emit('supervisor', line);
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.child?.pid;
  }

  names(): string[] {
    return [...this.order];
  }

  /** Starts the children together and resolves when each is ready (its `ready` line seen). */
  async start(specs: ChildSpec[]): Promise<void> {
    if (this.stopping) throw new Error('the supervisor is stopping');
    const started = specs.map((spec) => {
      if (this.children.has(spec.name)) throw new Error(`duplicate child name ${spec.name}`);
      let markReady = () => {};
      let failReady = (_err: Error) => {};
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${spec.name} was not ready within ${this.opts.readyTimeoutMs / 1000} s`)), this.opts.readyTimeoutMs);
        markReady = () => {
          clearTimeout(timer);
          resolve();
        };
        failReady = (err) => {
          clearTimeout(timer);
          reject(err);
        };
      });
      ready.catch(() => {});
      const running: Running = { spec, deaths: [], lastLines: [], ready, markReady, failReady };
      this.children.set(spec.name, running);
      this.order.push(spec.name);
      this.nameWidth = Math.max(this.nameWidth, spec.name.length);
      this.spawn(running);
      return running.ready;
    });
    await Promise.all(started);
  }

  /** Stops the children, last started first; SIGTERM to each process group, SIGKILL after its grace. */
  stop(reason = 'stopping'): Promise<SupervisorOutcome> {
    return this.shutdown(reason, { reason: 'stopped' });
  }

  private async shutdown(reason: string, outcome: SupervisorOutcome): Promise<SupervisorOutcome> {
    if (this.stopping) return this.done;
    this.stopping = true;
    this.log(reason);
    for (const name of [...this.order].reverse()) {
      const running = this.children.get(name)!;
      clearTimeout(running.restartTimer);
      running.failReady(new Error(`${name}: ${reason}`));
      await this.stopChild(running);
    }
    this.resolveDone(outcome);
    return outcome;
  }

  private spawn(running: Running): void {
    const { spec } = running;
    const nice = spec.nice ?? 0;
    // Its own process group (a group signal reaches what it spawned); dies with the supervisor as spec.dieWith says.
    const child = spawnChild({ ...spec, detached: true });
    running.child = child;
    this.log(`started ${spec.name} (pid ${child.pid}${nice ? `, nice ${nice}` : ''})`);

    if (spec.probe) void this.poll(running, child, spec.probe);
    else if (!spec.ready) running.markReady();
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        running.lastLines.push(line);
        if (running.lastLines.length > this.opts.keepLines) running.lastLines.shift();
        this.emit(spec.name, line);
        if (spec.ready?.test(line)) running.markReady();
      });
    }
    child.once('error', (err) => this.log(`${spec.name}: ${err.message}`));
    child.once('exit', (code, signal) => this.onExit(running, child, code, signal));
  }

  private async poll(running: Running, child: ChildProcess, probe: () => Promise<boolean>): Promise<void> {
    while (running.child === child && child.exitCode === null && child.signalCode === null && !this.stopping) {
      if (await probe().catch(() => false)) return running.markReady();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private onExit(running: Running, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    // The leader is gone; whatever it left in its group goes too (a postmaster without its wrapper, a tsx child).
    killGroup(child, 'SIGKILL');
    if (this.stopping || running.child !== child) return;
    const { spec } = running;
    const now = Date.now();
    running.deaths = [...running.deaths.filter((t) => now - t < this.opts.deathWindowMs), now];
    const count = running.deaths.length;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (count >= this.opts.maxDeaths) {
      const window = `${Math.round(this.opts.deathWindowMs / 1000)} s`;
      const lines = running.lastLines.map((l) => `    ${l}`).join('\n');
      this.log(`${spec.name} died (${how}) ${count} times within ${window}: stopping everything. Its last log lines:\n${lines || '    (none)'}`);
      void this.shutdown(`stopping everything because ${spec.name} keeps dying`, { reason: 'crash-loop', name: spec.name, lastLines: [...running.lastLines] });
      return;
    }
    const delay = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** (count - 1));
    this.log(`${spec.name} died (${how}); restarting in ${(delay / 1000).toFixed(1)} s (death ${count} of ${this.opts.maxDeaths} allowed within ${Math.round(this.opts.deathWindowMs / 1000)} s)`);
    running.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn(running);
    }, delay);
  }

  private async stopChild(running: Running): Promise<void> {
    const child = running.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      if (child) killGroup(child, 'SIGKILL');
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log(`${running.spec.name} did not stop within ${(running.spec.stopGraceMs ?? 10_000) / 1000} s: SIGKILL`);
        killGroup(child, 'SIGKILL');
      }, running.spec.stopGraceMs ?? 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      killGroup(child, 'SIGTERM');
    });
  }

  private killAll(signal: NodeJS.Signals): void {
    for (const running of this.children.values()) if (running.child) killGroup(running.child, signal);
  }

  private emit(name: string, line: string): void {
    const label = name.padEnd(this.nameWidth);
    if (!this.opts.color) return this.opts.write(`${label} | ${line}`);
    const index = name === 'supervisor' ? -1 : this.order.indexOf(name);
    const code = index < 0 ? 1 : COLORS[index % COLORS.length];
    this.opts.write(`\x1b[${code}m${label} |\x1b[0m ${line}`);
  }
}

export type SupervisorOutcome = { reason: 'stopped' } | { reason: 'crash-loop'; name: string; lastLines: string[] };

/** Signals the child's whole process group (it was started detached, so its pid is the group id). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}
