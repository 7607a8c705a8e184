import type { Database } from '../../db/client';
import type { MailChaos } from './mailChaos';

/** What a walk needs of the stack it runs on: the CLI's own stack, or the test run's with a worker of its own. */
export interface WalkEnv {
  apiUrl: string;
  simUrl: string;
  /** The walk's Mailpit (API base): the worker sends customer e-mail there over SMTP. */
  mailpitUrl: string;
  /** Its chaos triggers, shared by the walks of every lane. */
  mail: MailChaos;
  db: Database;
  staffToken: string;
  checkoutToken: string;
  webhookSecret: string;
  /** Unique per run, so SKUs and idempotency keys never meet another run's in a shared database. */
  runId: string;
  /** SIGKILL the worker and start it again (shared by concurrent walks: one kill at a time). */
  killWorker(): Promise<'killed' | 'skipped'>;
  /** What Temporal says of an order's saga (scripts/walk/sagaDiagnosis.ts), for an order that does not end. */
  describeSaga?(orderId: string): Promise<string>;
  log(line: string): void;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function http(url: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body };
  } catch {
    // No answer (timeout, connection refused): the request may still have landed.
    return { status: 0, body: undefined };
  }
}
