import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { Config } from './config';

type TemporalSettings = Pick<
  Config,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH' | 'TEMPORAL_TLS_CA_PATH' | 'TEMPORAL_TLS_SERVER_NAME'
>;

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/**
 * How every Hotpath process reaches Temporal: plain gRPC to a dev server; TLS with a client certificate
 * (mTLS, self-hosted or Temporal Cloud); or TLS with an API key (Temporal Cloud). Shared by the client
 * (`Connection`) and the worker (`NativeConnection`), whose options have the same shape for these fields.
 */
export function temporalConnectionOptions(config: TemporalSettings): Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string } {
  const hasCert = Boolean(config.TEMPORAL_TLS_CERT_PATH || config.TEMPORAL_TLS_KEY_PATH);
  if (hasCert && !(config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH)) {
    throw new Error('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together: set both for mTLS, or neither');
  }
  const useTls = config.TEMPORAL_TLS ?? (hasCert || Boolean(config.TEMPORAL_API_KEY) || Boolean(config.TEMPORAL_TLS_CA_PATH));
  if (!useTls) {
    if (config.TEMPORAL_API_KEY) throw new Error('TEMPORAL_API_KEY needs TLS: do not set TEMPORAL_TLS=false with an API key');
    return { address: config.TEMPORAL_ADDRESS };
  }
  return {
    address: config.TEMPORAL_ADDRESS,
    tls: {
      ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
      ...(config.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readPem(config.TEMPORAL_TLS_CA_PATH, 'TEMPORAL_TLS_CA_PATH') } : {}),
      ...(hasCert
        ? { clientCertPair: { crt: readPem(config.TEMPORAL_TLS_CERT_PATH!, 'TEMPORAL_TLS_CERT_PATH'), key: readPem(config.TEMPORAL_TLS_KEY_PATH!, 'TEMPORAL_TLS_KEY_PATH') } }
        : {}),
    },
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}
