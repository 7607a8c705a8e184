import { startSimServer } from './start';

const port = Number(process.env.SIM_PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`SIM_PORT must be a port number, got "${process.env.SIM_PORT}"`);
}

const server = await startSimServer(port);
console.log(`Hotpath vendor simulator listening on ${server.url}`);

async function shutdown(): Promise<void> {
  await server.close();
  // Requests parked in injected latency or hangs hold timers; do not wait for them.
  process.exit(0);
}

process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
