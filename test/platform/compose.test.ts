import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEV_DYNAMIC_CONFIG, dynamicConfigArgs } from '../../lib/temporalServer';

/** No Docker engine runs in CI: check that the compose file parses and is wired the way the docs say. */
describe('docker-compose.yml', () => {
  // Compose files may use YAML merge keys (`<<: *anchor`), as Docker Compose reads them.
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true });

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
});
