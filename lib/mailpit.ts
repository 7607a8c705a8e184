import { connect } from 'node:net';
import { freePort } from '../db/embedded';
import { resolveGoTool, type GoToolSource } from './goTool';
import { stopChild } from './temporalServer';
import { spawnChild } from './childProcess/spawn';

/**
 * Mailpit: an SMTP server that keeps what it receives and shows it in a web UI and an HTTP API. It is the
 * customer's mailbox of `npm start` and of the tests, and, with `--enable-chaos`, a mail server that fails on purpose.
 */
export const MAILPIT_MODULE = 'github.com/axllent/mailpit@v1.33.1';

const TOOL = { module: MAILPIT_MODULE, binary: 'mailpit', envVar: 'MAILPIT_PATH', name: 'Mailpit' };

/** The Mailpit binary: MAILPIT_PATH, a cached build of the pinned version in Go's bin dir, or (with `build`) a build of it. */
export function resolveMailpit(options: { build?: boolean; log?: (line: string) => void } = {}): { path: string; source: GoToolSource } | undefined {
  return resolveGoTool(TOOL, options);
}

export interface MailpitOptions {
  smtpPort: number;
  uiPort: number;
  /** Serve the chaos API (PUT /api/v1/chaos), so SMTP commands can be made to fail on purpose. */
  chaos?: boolean;
  /** Messages kept before the oldest are pruned; 0 keeps every one (the tests look messages up long after). */
  maxMessages?: number;
  /** Where messages persist; a temporary file Mailpit deletes on exit when omitted. */
  database?: string;
}

/**
 * Mailpit's arguments: SMTP and UI on loopback only, no call home, no pruning unless asked. Duplicate detection
 * (`--ignore-duplicate-ids`) stays off: a second message with the same Message-ID is stored, so a test can count
 * what the adapter really sent.
 */
export function mailpitArgs(options: MailpitOptions): string[] {
  return [
    '--smtp',
    `127.0.0.1:${options.smtpPort}`,
    '--listen',
    `127.0.0.1:${options.uiPort}`,
    '--disable-version-check',
    // Accept mail without TLS or authentication from this machine, as a local relay would.
    '--smtp-auth-accept-any',
    '--smtp-auth-allow-insecure',
    '--max',
    String(options.maxMessages ?? 0),
    '--quiet',
    ...(options.chaos ? ['--enable-chaos'] : []),
    ...(options.database ? ['--database', options.database] : []),
  ];
}

export interface RunningMailpit {
  /** smtp://127.0.0.1:<port>, the SMTP_URL of the workers. */
  smtpUrl: string;
  smtpPort: number;
  /** The web UI's and the API's base, e.g. http://127.0.0.1:8025 (the API is under /api/v1). */
  apiUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts Mailpit and waits until both its API and its SMTP port answer. */
export async function startMailpit(options: { log?: (line: string) => void; smtpPort?: number; uiPort?: number; chaos?: boolean; maxMessages?: number; database?: string } = {}): Promise<RunningMailpit> {
  const log = options.log ?? (() => {});
  const binary = resolveMailpit({ build: true, log });
  if (!binary) throw new Error(`Mailpit is missing and there is no Go toolchain to build it: install Go, run npm run setup, or set MAILPIT_PATH`);
  const smtpPort = options.smtpPort ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  // Under a death signal (lib/childProcess): Mailpit cannot watch a lifeline, and must never outlive its starter.
  const args = mailpitArgs({ smtpPort, uiPort, chaos: options.chaos, maxMessages: options.maxMessages, database: options.database });
  const child = spawnChild({ command: binary.path, args, env: process.env, dieWith: 'pdeathsig' });
  child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const apiUrl = `http://127.0.0.1:${uiPort}`;
  const deadline = Date.now() + 30_000;
  while (!(await mailpitAnswers(apiUrl, smtpPort))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mailpit exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mailpit did not answer on ${apiUrl} and SMTP port ${smtpPort} within 30 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, smtpPort, apiUrl, pid: child.pid!, stop: () => stopChild(child) };
}

/** Mailpit is serving: its readiness endpoint answers 200 and its SMTP port takes connections. */
export async function mailpitAnswers(apiUrl: string, smtpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
    if (res.status !== 200) return false;
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: smtpPort }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ChaosTrigger {
  /** The SMTP answer, 400–599 (4xx: try again later; 5xx: refused for good). */
  ErrorCode: number;
  /** Percent of the commands that get it, 0–100. */
  Probability: number;
}

/**
 * Sets Mailpit's chaos triggers (Mailpit started with `chaos: true`): from then on that share of MAIL FROM
 * (`Sender`) or RCPT TO (`Recipient`) commands is answered with the error. Triggers left out are turned off.
 */
export async function setMailpitChaos(apiUrl: string, triggers: { Sender?: ChaosTrigger; Recipient?: ChaosTrigger }): Promise<void> {
  const off = { ErrorCode: 451, Probability: 0 };
  const res = await fetch(`${apiUrl}/api/v1/chaos`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Sender: triggers.Sender ?? off, Recipient: triggers.Recipient ?? off, Authentication: { ErrorCode: 535, Probability: 0 } }),
  });
  if (res.status !== 200) throw new Error(`PUT ${apiUrl}/api/v1/chaos answered ${res.status}: ${await res.text()}`);
}
