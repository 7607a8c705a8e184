import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** No Docker engine runs in CI: check that the compose file parses and is wired the way the docs say. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));

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
