import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookPayload } from '../../lib/webhooks/events';

export interface Received {
  id: string;
  at: number;
  event: WebhookPayload;
  signatures: string[];
  /** Which of the receiver's secrets verified it. */
  verifiedBy: number[];
}

type Behaviour = (req: IncomingMessage, res: ServerResponse, body: string) => boolean | Promise<boolean>;

/**
 * A checkout service's webhook endpoint on loopback: verifies every message with the standardwebhooks library
 * (against each secret it holds), records what arrived and when, and can be told to fail, hang or go away.
 */
export async function startReceiver(options: { secrets?: string[] } = {}) {
  let secrets = options.secrets ?? [];
  const received: Received[] = [];
  const unverified: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let behaviour: Behaviour | undefined;
  let server: Server | undefined;
  let port = 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (behaviour && (await behaviour(req, res, body))) return;
      const verifiedBy = secrets.flatMap((secret, i) => {
        try {
          new Webhook(secret).verify(body, req.headers as Record<string, string>);
          return [i];
        } catch {
          return [];
        }
      });
      if (verifiedBy.length === 0) {
        unverified.push({ headers: req.headers, body });
        res.writeHead(401).end();
        return;
      }
      received.push({ id: String(req.headers['webhook-id']), at: Date.now(), event: JSON.parse(body), signatures: String(req.headers['webhook-signature']).split(' '), verifiedBy });
      res.writeHead(204).end();
    });
  };

  const listen = async () => {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const down = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  };
  await listen();

  return {
    url: (path = '/hooks') => `http://127.0.0.1:${port}${path}`,
    received,
    unverified,
    setSecrets: (next: string[]) => (secrets = next),
    /** Intercepts requests: answer and return true to handle one, false to let the receiver verify it. */
    behave: (next: Behaviour | undefined) => (behaviour = next),
    /** Stops listening (connections are refused) until `up`. */
    down,
    up: listen,
    close: down,
    /** The distinct events of one order, in sequence order. */
    eventsOf: (orderId: string) => {
      const byId = new Map<string, Received>();
      for (const r of received) if (r.event.data.orderId === orderId && !byId.has(r.id)) byId.set(r.id, r);
      return [...byId.values()].sort((a, b) => a.event.data.sequence - b.event.data.sequence);
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
