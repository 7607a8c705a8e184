import { ApplicationFailure } from '@temporalio/activity';
import { Agent, request, type Dispatcher } from 'undici';

export interface VendorResponse<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code: string; message: string } };
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

/**
 * HTTP client for one vendor system. Every mutating call carries an idempotency key, so a retry after a
 * timeout or a lost response returns the first result instead of doing the work twice. Transient
 * failures (timeouts, 5xx, connection errors) throw retryable errors; 4xx answers are returned for the
 * caller to turn into business outcomes.
 */
export class VendorClient {
  constructor(
    readonly system: string,
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    /** The connection pool; one shared Agent (64 connections per vendor) unless a caller needs its own. */
    private readonly dispatcher: Dispatcher = agent,
  ) {}

  async post<T = Record<string, unknown>>(path: string, body: unknown, idempotencyKey: string): Promise<VendorResponse<T>> {
    return this.send<T>('POST', path, body, idempotencyKey);
  }

  async get<T = Record<string, unknown>>(path: string): Promise<VendorResponse<T>> {
    return this.send<T>('GET', path);
  }

  private async send<T>(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<VendorResponse<T>> {
    const url = `${this.baseUrl}${path}`;
    let response;
    try {
      response = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw ApplicationFailure.retryable(`${this.system} unreachable (${method} ${path}): ${(err as Error).message}`, 'VendorUnavailable');
    }
    const text = await response.body.text();
    if (response.statusCode >= 500 || response.statusCode === 429 || response.statusCode === 408) {
      // Failure messages reach Temporal's history unencrypted: never the vendor's body (it may echo the request's
      // e-mail or address), at most its machine-readable error code.
      const code = errorCodeOf(text);
      throw ApplicationFailure.retryable(`${this.system} answered ${response.statusCode} to ${method} ${path}${code ? ` (${code})` : ''}`, 'VendorUnavailable');
    }
    const parsed = text ? (JSON.parse(text) as VendorResponse<T>['body']) : ({} as VendorResponse<T>['body']);
    return { status: response.statusCode, body: parsed };
  }
}

/** A vendor error body's `error.code`, when it is a plain code (letters, digits, `_.-`): safe to put in a failure message. */
export function errorCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } })?.error?.code;
    return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A vendor answer that no retry will change and that the saga has no business meaning for: a bug or a contract change. */
export function unexpected(system: string, response: VendorResponse<unknown>): ApplicationFailure {
  // The code only, not the vendor's message: failure messages are not encrypted (see send above).
  return ApplicationFailure.nonRetryable(`${system} answered ${response.status}: ${errorCodeOf(JSON.stringify(response.body ?? {})) ?? 'unknown'}`, 'VendorContractViolation');
}
