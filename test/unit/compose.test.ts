import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** No Docker engine runs in CI: check that the compose file parses and is wired the way the docs say. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));

  it('names every service the README mentions', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'sim', 'temporal', 'temporal-postgres', 'temporal-ui', 'worker']);
  });

  it('runs Temporal on Postgres persistence, and the worker scaled out', () => {
    expect(compose.services.temporal.environment.DB).toBe('postgres12');
    expect(compose.services.temporal.environment.POSTGRES_SEEDS).toBe('temporal-postgres');
    expect(compose.services.worker.deploy.replicas).toBeGreaterThan(1);
  });

  it('points api and worker at the same Temporal, Postgres and vendor URLs, and starts the right entry points', () => {
    for (const name of ['api', 'worker']) {
      const env = compose.services[name].environment;
      expect(env).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: expect.stringContaining('@postgres:5432/'), PAYMENT_URL: 'http://sim:4000/payment' });
      expect(compose.services[name].command).toEqual(['npm', 'run', name]);
    }
    const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts;
    for (const entry of ['api', 'worker', 'sim']) expect(scripts[entry]).toBeDefined();
  });
});
