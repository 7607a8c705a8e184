import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../lib/config';
import { DEV_DYNAMIC_CONFIG, dynamicConfigArgs } from '../../lib/temporalServer';
import { EVERYTHING_ON, containersOf, renderChart } from '../support/helm';

/** No Docker engine runs in CI: check that the compose file parses and is wired the way the docs say. */
describe('docker-compose.yml', () => {
  // Compose files may use YAML merge keys (`<<: *anchor`), as Docker Compose reads them.
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });
  const services = Object.entries(compose.services) as [string, any][];

  it('has exactly the services docs/deploy.md lists, and every service the docs mention exists', () => {
    const deploy = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
    const listed = [...deploy.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]!);
    expect(listed.length).toBeGreaterThan(5);
    expect(Object.keys(compose.services).sort()).toEqual([...new Set(listed)].sort());
  });

  it('registers the search attributes before workers start, and lets the Web UI decode with the console cookie', () => {
    expect(compose.services['temporal-setup'].command).toEqual(['npm', 'run', 'register-search-attributes']);
    expect(compose.services.worker.depends_on['temporal-setup'].condition).toBe('service_completed_successfully');
    expect(compose.services['temporal-ui'].environment).toMatchObject({ TEMPORAL_CODEC_ENDPOINT: 'http://localhost:3000/codec', TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true' });
    expect(compose.services.api.environment.CODEC_CORS_ORIGINS).toBe('http://localhost:8080');
    const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts;
    expect(scripts['register-search-attributes']).toBeDefined();
  });

  it('runs Temporal on Postgres persistence, and the worker scaled out', () => {
    expect(compose.services.temporal.environment.DB).toBe('postgres12');
    expect(compose.services.temporal.environment.POSTGRES_SEEDS).toBe('temporal-postgres');
    expect(compose.services.worker.deploy.replicas).toBeGreaterThan(1);
  });

  it('runs temporalio/server with its schema set up by temporalio/admin-tools first, never the deprecated auto-setup', () => {
    expect(services.filter(([, s]) => String(s.image).startsWith('temporalio/auto-setup'))).toEqual([]);
    expect(compose.services.temporal.image).toMatch(/^temporalio\/server:\d/);
    const schema = compose.services['temporal-schema'];
    expect(schema.image).toMatch(/^temporalio\/admin-tools:\d/);
    expect(schema.environment).toEqual(expect.objectContaining({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-postgres' }));
    expect(compose.services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
    // The script it runs is the one in the repository, and it sets up both of the server's databases.
    const [source] = schema.volumes[0].split(':');
    const script = readFileSync(new URL(`../../${source}`, import.meta.url), 'utf8');
    expect(script).toContain('temporal-sql-tool');
    for (const pair of ['temporal:temporal', 'temporal_visibility:visibility']) expect(script).toContain(pair);
    expect(script).toContain('update-schema -d "$SCHEMA/$kind/versioned"');
    expect(compose.services['temporal-namespace'].depends_on.temporal.condition).toBe('service_healthy');
    expect(compose.services['temporal-setup'].depends_on['temporal-namespace'].condition).toBe('service_completed_successfully');
  });

  it('publishes only the API; Temporal, its Web UI, both Postgres and the simulators are on the internal network alone', () => {
    expect(services.filter(([, s]) => s.ports?.length).map(([name]) => name)).toEqual(['api']);
    expect(compose.services.api.ports).toEqual(['3000:3000']);
    expect(compose.networks.internal.internal).toBe(true);
    for (const name of ['postgres', 'temporal-postgres', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-setup', 'temporal-ui', 'sim']) {
      expect(compose.services[name].networks, name).toEqual(['internal']);
    }
    // The opt-in override for a look at the UI binds loopback only.
    const override = parse(readFileSync(new URL('../../deploy/compose/temporal-ui-local.yml', import.meta.url), 'utf8'));
    expect(Object.keys(override.services)).toEqual(['temporal-ui']);
    for (const port of override.services['temporal-ui'].ports) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('gives the simulators webhook secrets of their own, never the real WMS or Stripe secret', () => {
    const raw = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });
    const sim = raw.services.sim.environment;
    expect(sim.WMS_WEBHOOK_SECRET).toMatch(/^\$\{SIM_WMS_WEBHOOK_SECRET:\?/);
    expect(sim.STRIPE_WEBHOOK_SECRET).toMatch(/^\$\{SIM_STRIPE_WEBHOOK_SECRET:\?/);
    for (const value of Object.values(sim)) expect(String(value)).not.toMatch(/\$\{(WMS|STRIPE)_WEBHOOK_SECRET\b/);
    // The API checks the simulators' signatures only while no real secret is set.
    expect(raw.services.api.environment.WMS_WEBHOOK_SECRET).toMatch(/^\$\{WMS_WEBHOOK_SECRET:-\$\{SIM_WMS_WEBHOOK_SECRET:\?/);
    expect(raw.services.api.environment.STRIPE_WEBHOOK_SECRET).toMatch(/^\$\{STRIPE_WEBHOOK_SECRET:-\$\{SIM_STRIPE_WEBHOOK_SECRET:\?/);
    // Only the processes that check or use a credential hold it.
    expect(raw.services.worker.environment).not.toHaveProperty('STAFF_TOKENS');
    expect(raw.services.dispatcher.environment).not.toHaveProperty('WMS_WEBHOOK_SECRET');
  });

  it("gives the cluster the dev server's dynamic config: the file start-dev reads, mounted where the server looks", () => {
    const temporal = compose.services.temporal;
    const mount = temporal.volumes.find((v: string) => v.startsWith('./lib/temporal-dynamic-config.yaml:'));
    expect(mount).toBeDefined();
    const inContainer = mount.split(':')[1];
    expect(`/etc/temporal/${temporal.environment.DYNAMIC_CONFIG_FILE_PATH}`).toBe(inContainer);
    const file = parse(readFileSync(new URL('../../lib/temporal-dynamic-config.yaml', import.meta.url), 'utf8'));
    expect(file).toMatchObject({ 'system.enableActivityEagerExecution': [{ value: true }], 'history.transferProcessorMaxPollRPS': [{ value: expect.any(Number) }] });
    expect(DEV_DYNAMIC_CONFIG).toEqual(Object.entries(file).flatMap(([key, [entry]]: [string, any]) => ['--dynamic-config-value', `${key}=${JSON.stringify(entry.value)}`]));
  });

  it('refuses dynamic config it cannot pass to start-dev (constrained or repeated values)', () => {
    expect(() => dynamicConfigArgs('a.b:\n  - value: 1\n    constraints: { namespace: x }\n')).toThrow(/a.b/);
    expect(() => dynamicConfigArgs('a.b:\n  - value: 1\n  - value: 2\n    constraints: { namespace: x }\n')).toThrow(/a.b/);
    expect(() => dynamicConfigArgs('a.b: 1\n')).toThrow(/a.b/);
    expect(dynamicConfigArgs('a.b:\n  - value: 1\n    constraints: {}\n')).toEqual(['--dynamic-config-value', 'a.b=1']);
  });

  it('points api and worker at the same Temporal, Postgres and vendor URLs, and starts the right entry points', () => {
    for (const name of ['api', 'worker']) {
      const env = compose.services[name].environment;
      expect(env).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: expect.stringContaining('@postgres:5432/'), PAYMENT_PROVIDER: 'stripe', STRIPE_API_BASE: expect.stringContaining('http://sim:4000') });
      expect(compose.services[name].command).toEqual(['npm', 'run', name]);
    }
    const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts;
    for (const entry of ['api', 'worker', 'sim', 'dispatcher']) expect(scripts[entry]).toBeDefined();
  });

  it('runs one dispatcher, and the scaled-out workers leave the background duties to it', () => {
    expect(compose.services.dispatcher.command).toEqual(['npm', 'run', 'dispatcher']);
    expect(compose.services.dispatcher.deploy?.replicas ?? 1).toBe(1);
    expect(compose.services.dispatcher.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: expect.stringContaining('@postgres:5432/') });
    expect(compose.services.worker.environment.WORKER_BACKGROUND_DUTIES).toBe('false');
  });

  it("gives each process's /metrics to the internal network only: exposed on the port the process listens on, never published", () => {
    const code = loadConfig({});
    const metrics = { api: ['API_METRICS_PORT', 'API_METRICS_HOST', code.API_METRICS_PORT], worker: ['WORKER_METRICS_PORT', 'WORKER_METRICS_HOST', code.WORKER_METRICS_PORT], dispatcher: ['DISPATCHER_METRICS_PORT', 'DISPATCHER_METRICS_HOST', code.DISPATCHER_METRICS_PORT] } as const;
    for (const [name, [portVar, hostVar, port]] of Object.entries(metrics)) {
      const service = compose.services[name];
      expect(Number(service.environment[portVar]), name).toBe(port);
      expect(service.environment[hostVar], name).toBe('0.0.0.0');
      expect(service.expose, name).toEqual([String(port)]);
      expect(service.ports ?? [], name).not.toContainEqual(expect.stringContaining(String(port)));
    }
  });
});

/**
 * The chart (deploy/helm/hotpath, everything on) and the compose file set the same variables for each process, so a
 * setting added to one is not forgotten in the other. The documented exceptions are the only differences.
 */
describe('docker-compose.yml and the Helm chart stay in step', () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });
  const chart = renderChart([EVERYTHING_ON]);

  /** Set by the chart only. */
  const CHART_ONLY: Record<string, string[]> = {
    // Compose's Temporal is a private container on the internal network, plain gRPC; the chart may reach Temporal Cloud.
    all: ['TEMPORAL_TLS', 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CA_PATH', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'],
    // Compose's clients reach the API directly; in Kubernetes an Ingress or load balancer sits in front.
    api: ['TRUST_PROXY'],
    // Compose ships no mail server: customer e-mail goes to the notifications simulator.
    worker: ['SMTP_URL'],
    dispatcher: [],
  };

  for (const process of ['api', 'worker', 'dispatcher']) {
    it(`sets the same variables for the ${process}`, () => {
      const deployment = chart.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === process)!;
      const fromChart = containersOf(deployment)[0].env.map((e: { name: string }) => e.name);
      const exceptions = [...CHART_ONLY.all!, ...CHART_ONLY[process]!];
      for (const name of exceptions) expect(fromChart, `${name} is a documented exception the chart no longer sets`).toContain(name);
      expect(Object.keys(compose.services[process].environment).sort()).toEqual(fromChart.filter((n: string) => !exceptions.includes(n)).sort());
    });
  }
});
