import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { VendorClient } from '../../activities/vendorClient';
import { loadConfig } from '../../lib/config';
import { deploymentProblems, MIN_TOKEN_LENGTH } from '../../lib/deployment';
import { nodeCommand } from '../../lib/childProcess/spawn';
import { freePort } from '../../db/embedded';
import { startOwnApi } from '../support/ownApi';
import { applicationRoles, type StackPlan } from '../../scripts/supervisor/roles';

const root = fileURLToPath(new URL('../..', import.meta.url));
const long = (seed: string) => seed.padEnd(MIN_TOKEN_LENGTH + 4, 'x');
const settings = (env: Record<string, string>) => loadConfig(env);

describe('the settings a process refuses to start with (pure)', () => {
  it('production: tokens shorter than 24 characters, and no payload keys unless plaintext is allowed on purpose', () => {
    const problems = deploymentProblems(settings({ CHECKOUT_TOKENS: 'shop:short-token', STAFF_TOKENS: `ops:${long('s')}` }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/checkout credential "shop" has 11 characters; production needs at least 24/);
    expect(problems[1]).toMatch(/PAYLOAD_KEYS is not set/);
    expect(deploymentProblems(settings({ CHECKOUT_TOKENS: `shop:${long('c')}`, ALLOW_PLAINTEXT_PAYLOADS: 'true' }))).toEqual([]);
    expect(deploymentProblems(settings({ CHECKOUT_TOKENS: `shop:${long('c')}`, PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` }))).toEqual([]);
  });

  it('development allows short tokens and no payload keys, and nothing else', () => {
    expect(deploymentProblems(settings({ HOTPATH_ENV: 'development', CHECKOUT_TOKENS: 'shop:dev', STAFF_TOKENS: 'ops:dev2' }))).toEqual([]);
    expect(() => settings({ HOTPATH_ENV: 'staging' })).toThrow(/HOTPATH_ENV must be production or development/);
  });

  it('in any environment: one name in both roles, or one token for two credentials', () => {
    const both = deploymentProblems(settings({ HOTPATH_ENV: 'development', CHECKOUT_TOKENS: 'acme:one-token', STAFF_TOKENS: 'acme:two-token' }));
    expect(both).toEqual(['the credential name "acme" is in both CHECKOUT_TOKENS and STAFF_TOKENS: give each role its own names']);
    const shared = deploymentProblems(settings({ HOTPATH_ENV: 'development', CHECKOUT_TOKENS: 'shop:same-token', STAFF_TOKENS: 'ops:same-token' }));
    expect(shared).toEqual(['the token of staff credential "ops" is also the token of checkout credential "shop": every credential needs a token of its own']);
  });
});

/** What a deployment's API process is given here: the run's Postgres and Temporal, a port of its own, nothing of the tests' settings. */
async function apiEnvForTest(databaseUrl: string, env: Record<string, string>): Promise<Record<string, string>> {
  return { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), API_PORT: String(await freePort()), API_METRICS_PORT: '0', LOG_LEVEL: 'info', ...env };
}

/** Runs `api/server.ts` as a deployment would, until it exits or says it listens. */
function runApi(env: Record<string, string>): Promise<{ code: number | null; output: string; listening: boolean }> {
  const { command, args, cwd } = nodeCommand(root, 'api/server.ts', {});
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('api listening')) {
        child.kill('SIGTERM');
        resolve({ code: null, output, listening: true });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => resolve({ code, output, listening: false }));
  });
}

describe('the API as a deployment starts it', () => {
  it('refuses to start in production with a short token and without payload keys, naming both', async () => {
    const run = await runApi(await apiEnvForTest(inject('databaseUrl'), { CHECKOUT_TOKENS: 'shop:short-token', STAFF_TOKENS: `ops:${long('s')}` }));
    expect(run.listening).toBe(false);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('the API refuses to start (HOTPATH_ENV=production)');
    expect(run.output).toContain('checkout credential "shop" has 11 characters');
    expect(run.output).toContain('PAYLOAD_KEYS is not set');
  }, 60_000);

  it('starts in production with long tokens and payload keys', async () => {
    const run = await runApi(await apiEnvForTest(inject('databaseUrl'), { CHECKOUT_TOKENS: `shop:${long('c')}`, STAFF_TOKENS: `ops:${long('s')}`, PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` }));
    expect(run.output).toContain('api listening');
    expect(run.listening).toBe(true);
  }, 60_000);
});

/** A non-loopback IPv4 address of this machine, if it has one. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const connects = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('where the API listens', () => {
  // Every machine with a network has such an address; one without cannot be reached from outside anyway.
  it.skipIf(!outsideAddress)("on API_HOST: bound to 127.0.0.1 (npm start's and the tests' setting), the machine's other addresses are refused", async () => {
    const api = await startOwnApi({ taskQueue: 'orders-deployment-test' });
    try {
      const port = Number(new URL(api.url).port);
      expect(await connects('127.0.0.1', port)).toBe(true);
      expect(await connects(outsideAddress!, port)).toBe(false);
    } finally {
      await api.close();
    }
  });
});

describe("npm start's roles", () => {
  const plan: StackPlan = {
    root,
    dataDir: '/tmp/hotpath-plan',
    temporal: { address: '127.0.0.1:7233' },
    postgres: { url: 'postgres://127.0.0.1/hotpath' },
    mailpit: { smtpUrl: 'smtp://127.0.0.1:1025' },
    apiPort: 3000,
    simPort: 4000,
    workers: 1,
    workerMetricsPortBase: 9464,
    backgroundNice: 0,
    payloadKeys: `dev:${Buffer.alloc(32, 1).toString('base64')}`,
  };
  const apiEnv = () => applicationRoles(plan).find((r) => r.name === 'api')!.env!;

  it('run the API on 127.0.0.1 in development, unless the user says otherwise', () => {
    const before = process.env.API_HOST;
    try {
      delete process.env.API_HOST;
      expect(apiEnv()).toMatchObject({ API_HOST: '127.0.0.1', HOTPATH_ENV: 'development' });
      process.env.API_HOST = '0.0.0.0';
      expect(apiEnv().API_HOST).toBe('0.0.0.0');
    } finally {
      if (before === undefined) delete process.env.API_HOST;
      else process.env.API_HOST = before;
    }
  });
});

describe('vendor failures in the history', () => {
  let server: ReturnType<typeof createServer>;
  let base: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'overloaded', message: 'cannot label for ada@example.com at 12 Analytical St' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("carry the vendor's status and error code, never its body (failure messages are not encrypted)", async () => {
    const client = new VendorClient('carrier', base, 2_000);
    const err = await client.post('/labels', { email: 'ada@example.com' }, 'key-1').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe('carrier answered 503 to POST /labels (overloaded)');
    expect(err?.message).not.toContain('ada@example.com');
  });
});
