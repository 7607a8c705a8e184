import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimApp } from './app';
import type { SimOptions, SimState } from './state';

export interface SimServerOptions extends SimOptions {
  /** Interface to bind; SIM_HOST or 127.0.0.1 by default. */
  host?: string;
}

export interface SimServer {
  url: string;
  state: SimState;
  close(): Promise<void>;
}

/** Starts the simulator; port 0 picks a free port. */
export function startSimServer(port = 0, options: SimServerOptions = {}): Promise<SimServer> {
  const host = options.host ?? process.env.SIM_HOST ?? '127.0.0.1';
  const { app, state } = createSimApp(options);
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: boundPort } = server.address() as AddressInfo;
      resolve({
        url: `http://${urlHost(host)}:${boundPort}`,
        state,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
