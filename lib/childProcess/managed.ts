import type { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { nodeCommand, spawnChild, type ChildCommand } from './spawn';

/**
 * One child process that can be started, SIGKILLed and started again (chaos, the walk's worker killer, the bench,
 * tests that kill a worker mid-saga). `ready` is the log line that says it is serving. Children die with this process:
 * a Node child by its lifeline, a binary by its death signal, and on any normal exit by the exit hook.
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private output = '';
  kills = 0;
  /** When set, every line the child writes, over all its incarnations, is appended here (a long run's evidence). */
  logFile?: string;

  constructor(
    readonly name: string,
    private readonly command: ChildCommand,
    private readonly ready: string | RegExp,
    private readonly readyTimeoutMs = 90_000,
  ) {}

  /** A Hotpath Node entry point (e.g. `worker/main.ts`) under `root`. */
  static node(name: string, root: string, entry: string, env: NodeJS.ProcessEnv, ready: string | RegExp, readyTimeoutMs?: number): ManagedProcess {
    return new ManagedProcess(name, nodeCommand(root, entry, env), ready, readyTimeoutMs);
  }

  /** The current incarnation's pid (undefined before the first start). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  /** The last output lines (stdout and stderr), for a failure message. */
  recentOutput(): string {
    return this.output.slice(-2000);
  }

  async start(): Promise<void> {
    this.output = '';
    if (this.logFile) appendFileSync(this.logFile, `--- ${this.name} started ${new Date().toISOString()}\n`);
    const child = spawnChild(this.command);
    // One exit hook per process, for whichever child is current (a listener per restart would pile up).
    if (!this.child) process.on('exit', () => this.child?.kill('SIGKILL'));
    this.child = child;
    const seen = (text: string) => (typeof this.ready === 'string' ? text.includes(this.ready) : this.ready.test(text));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start: ${this.recentOutput()}`)), this.readyTimeoutMs);
      let ready = false;
      const onData = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-20_000);
        if (this.logFile) appendFileSync(this.logFile, chunk);
        if (!ready && seen(this.output)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} could not be started: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready) reject(new Error(`${this.name} exited (${code ?? signal}) before it was ready: ${this.recentOutput()}`));
      });
    });
  }

  /** SIGKILL: no shutdown hooks, no draining, as a crashed host. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.kills += 1;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
