import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { AesGcmPayloadCodec, payloadKeysFromEnv } from './aesGcmCodec';

/** The data converter every Temporal client and worker of Hotpath uses: encrypted payloads when keys are set. */
export function dataConverterFor(config: Pick<Config, 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>): DataConverter | undefined {
  const keys = payloadKeysFromEnv(config.PAYLOAD_KEYS, config.PAYLOAD_KEY_ID);
  return keys ? { payloadCodecs: [new AesGcmPayloadCodec(keys)] } : undefined;
}
