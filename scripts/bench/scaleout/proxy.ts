import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamStats {
  port: number;
  /** Requests this upstream answered (any status). */
  answered: number;
  /** Connections it refused: the proxy tried the next upstream (nothing had been sent). */
  refused: number;
  /** Requests lost in flight (the upstream died with it): answered 502, for the client to retry. */
  lostInFlight: number;
}

export interface RoundRobinProxy {
  url: string;
  stats: () => UpstreamStats[];
  close: () => Promise<void>;
}

/**
 * A small HTTP load balancer in front of the API replicas, as an Ingress or nginx would be: round robin over the
 * upstreams, a refused connection (nothing sent yet) retried on the next one and that upstream skipped for a
 * second, a request lost in flight answered 502 (the client retries it with its Idempotency-Key; the proxy never
 * replays a POST that may have reached an API).
 */
export async function startRoundRobinProxy(upstreamPorts: number[], host = '127.0.0.1'): Promise<RoundRobinProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const upstreams = upstreamPorts.map((port) => ({ port, downUntil: 0, stats: { port, answered: 0, refused: 0, lostInFlight: 0 } }));
  let next = 0;

  const pick = (tried: Set<number>) => {
    const now = Date.now();
    for (let i = 0; i < upstreams.length; i++) {
      const u = upstreams[(next + i) % upstreams.length]!;
      if (!tried.has(u.port) && u.downUntil <= now) {
        next = (next + i + 1) % upstreams.length;
        return u;
      }
    }
    return upstreams.find((u) => !tried.has(u.port));
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: Set<number>) => {
    const upstream = pick(tried);
    if (!upstream) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no upstream answered\n');
      return;
    }
    tried.add(upstream.port);
    let sent = false;
    const headers: OutgoingHttpHeaders = { ...(req.headers as IncomingHttpHeaders), host: `127.0.0.1:${upstream.port}`, 'content-length': String(body.length) };
    delete headers.connection;
    const out = request({ host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      upstream.stats.answered += 1;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    out.on('socket', (socket) => {
      // A pooled socket is connected already: the request counts as sent the moment it is written.
      if (!socket.connecting) sent = true;
      else socket.once('connect', () => (sent = true));
    });
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return res.destroy();
      if (!sent && err.code === 'ECONNREFUSED') {
        upstream.stats.refused += 1;
        upstream.downUntil = Date.now() + 1_000;
        return forward(req, res, body, tried);
      }
      upstream.stats.lostInFlight += 1;
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream ${upstream.port}: ${err.code ?? err.message}\n`);
    });
    out.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), new Set()));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    stats: () => upstreams.map((u) => ({ ...u.stats })),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
