import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { temporalConnectionOptions } from '../../lib/temporalConnection';

const settings = (env: Record<string, string>) => temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', ...env }));

describe('connecting to Temporal: dev server, mTLS or API key', () => {
  it('is plain gRPC by default (the dev server)', () => {
    expect(settings({})).toEqual({ address: 'ns.acct.tmprl.cloud:7233' });
  });

  it('turns TLS on with an API key (Temporal Cloud)', () => {
    expect(settings({ TEMPORAL_API_KEY: 'key-123' })).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'key-123' });
    expect(() => settings({ TEMPORAL_API_KEY: 'key-123', TEMPORAL_TLS: 'false' })).toThrow(/needs TLS/);
  });

  it('presents a client certificate for mTLS, and trusts a private CA when given one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hotpath-tls-'));
    for (const name of ['client.pem', 'client.key', 'ca.pem']) await writeFile(path.join(dir, name), `-----BEGIN ${name}-----\n`);
    const options = settings({
      TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
      TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(options.tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    const tls = options.tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer };
    expect(tls.clientCertPair.crt.toString()).toContain('client.pem');
    expect(tls.clientCertPair.key.toString()).toContain('client.key');
    expect(tls.serverRootCACertificate.toString()).toContain('ca.pem');
  });

  it('names the setting that is wrong', () => {
    expect(() => settings({ TEMPORAL_TLS_CERT_PATH: '/nonexistent/client.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH go together/);
    expect(() => settings({ TEMPORAL_TLS_CERT_PATH: '/nonexistent/client.pem', TEMPORAL_TLS_KEY_PATH: '/nonexistent/client.key' })).toThrow(/TEMPORAL_TLS_CERT_PATH: cannot read/);
    expect(() => loadConfig({ TEMPORAL_TLS: 'yes' })).toThrow();
  });
});
