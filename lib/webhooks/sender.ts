import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { FORBIDDEN_KIND, ForbiddenTargetError, guardedLookup, isForbiddenAddress, portRefusal, systemResolver, withoutResolvedAddresses, type PortPolicy, type Resolver } from './safeTarget';

export interface AttemptOutcome {
  delivered: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** Set when the attempt was refused before any request (a forbidden address or port): no endpoint was asked. */
  refused?: boolean;
  /** The forbidden address a refused attempt resolved or connected to: for the operator's log, never recorded where a client reads. */
  refusedAddress?: string;
}

export interface SenderOptions {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: let deliveries reach private and loopback addresses (development). */
  allowPrivateTargets: boolean;
  /** One attempt's whole budget: connecting, sending and the answer's headers and body. */
  timeoutMs: number;
  /** The DNS the connections use (injected by tests to map a public-looking name to loopback). */
  resolve?: Resolver;
  /** WEBHOOK_ALLOWED_PORTS: a URL naming another port is refused before any connection (subscriptions made before the policy). */
  allowedPorts?: PortPolicy;
}

/**
 * POSTs one signed webhook. The connections' own `lookup` refuses forbidden addresses after resolution, and
 * the connected socket's peer address is checked again (an address literal needs no lookup); redirects are
 * never followed: a 3xx is a failed attempt like any other non-2xx.
 */
export function webhookSender(options: SenderOptions) {
  const base = buildConnector({
    timeout: options.timeoutMs,
    // Allowed private targets skip the refusal, not the resolver (an injected one still answers).
    ...(options.allowPrivateTargets && !options.resolve ? {} : { lookup: guardedLookup(options.resolve ?? systemResolver, { refusePrivate: !options.allowPrivateTargets }) }),
  } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (opts, callback) =>
    base(opts, (err, socket) => {
      if (err || !socket) return callback(err!, null);
      const peer = socket.remoteAddress ?? '';
      if (!options.allowPrivateTargets && isForbiddenAddress(peer)) {
        socket.destroy();
        return callback(new ForbiddenTargetError(`${opts.hostname} connected to ${FORBIDDEN_KIND}`, peer), null);
      }
      callback(null, socket);
    });
  const agent = new Agent({ connect, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, keepAliveTimeout: 10_000 });

  async function send(url: string, headers: Record<string, string>, body: string): Promise<AttemptOutcome> {
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    try {
      const target = new URL(url);
      const refusedPort = options.allowedPorts ? portRefusal(target, options.allowedPorts) : undefined;
      if (refusedPort) throw new ForbiddenTargetError(refusedPort);
      const literal = target.hostname.replace(/^\[|\]$/g, '');
      if (!options.allowPrivateTargets && isIP(literal) && isForbiddenAddress(literal)) {
        throw new ForbiddenTargetError(`${literal} is ${FORBIDDEN_KIND}`, literal);
      }
      const res = await request(target, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'user-agent': 'Hotpath-Webhooks/1', ...headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // The answer's body is not needed: read a little for nothing and let the connection go back to the pool.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      const delivered = res.statusCode >= 200 && res.statusCode < 300;
      const error = delivered ? null : res.statusCode >= 300 && res.statusCode < 400 ? `answered ${res.statusCode}: redirects are not followed` : `answered ${res.statusCode}`;
      return { delivered, status: res.statusCode, error, durationMs: took() };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: Error };
      const refusal = e instanceof ForbiddenTargetError ? e : e.cause instanceof ForbiddenTargetError ? e.cause : undefined;
      // A connect error names the address the name resolved to: the client reads the host name instead.
      const why = refusal ? `refused: ${refusal.message}` : withoutResolvedAddresses(`${e.code ?? e.name}: ${e.message}`, url);
      return { delivered: false, status: null, error: why.slice(0, 500), durationMs: took(), ...(refusal ? { refused: true } : {}), ...(refusal?.address ? { refusedAddress: refusal.address } : {}) };
    }
  }

  return { send, close: () => agent.close() };
}

export type WebhookSender = ReturnType<typeof webhookSender>;
