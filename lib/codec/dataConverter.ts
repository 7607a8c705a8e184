import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { AesGcmPayloadCodec, payloadKeysFromEnv } from './aesGcmCodec';

/**
 * The data converter every Temporal client and worker of Hotpath uses: encrypted payloads when keys are set, and
 * then a payload in clear is refused unless ALLOW_PLAINTEXT_PAYLOADS says histories from before the keys exist.
 */
export function dataConverterFor(config: Pick<Config, 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'> & Partial<Pick<Config, 'ALLOW_PLAINTEXT_PAYLOADS'>>): DataConverter | undefined {
  const keys = payloadKeysFromEnv(config.PAYLOAD_KEYS, config.PAYLOAD_KEY_ID);
  return keys ? { payloadCodecs: [new AesGcmPayloadCodec(keys, { acceptPlaintext: config.ALLOW_PLAINTEXT_PAYLOADS ?? false })] } : undefined;
}
