import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = (s: string) => new TextEncoder().encode(s);

export interface PayloadKeys {
  /** The key new payloads are encrypted with. */
  currentKeyId: string;
  /** Every key that may still be needed to decrypt old histories, by id. */
  keys: Map<string, Buffer>;
}

/** A payload this process cannot decrypt: sealed with a key it does not hold, or with another key under the same id. */
export class UndecryptablePayloadError extends Error {
  constructor(readonly keyId: string, message: string) {
    super(message);
    this.name = 'UndecryptablePayloadError';
  }
}

/** A payload that is not sealed, refused because keys are configured: it was written by someone without them. */
export class PlaintextPayloadError extends Error {
  constructor(readonly encoding: string) {
    super(
      `refusing a payload that is not encrypted (encoding ${encoding || 'none'}): with PAYLOAD_KEYS set, every payload must be sealed by Hotpath's codec; ` +
        'one in clear was written by a client without the keys (ALLOW_PLAINTEXT_PAYLOADS=true reads histories from before the keys were set)',
    );
    this.name = 'PlaintextPayloadError';
  }
}

const encodingOf = (payload: Payload) => new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array());

/** Whether a payload was sealed by this codec (whatever its key). */
export const isSealed = (payload: Payload) => encodingOf(payload) === ENCODING;

export interface CodecOptions {
  /**
   * Pass payloads that are not encrypted through decode unchanged (ALLOW_PLAINTEXT_PAYLOADS): only to read
   * histories written before PAYLOAD_KEYS was set. Off, a payload in clear is refused: it could only come from a
   * client without the keys (the Temporal CLI or Web UI, another service), whose input no saga should act on.
   */
  acceptPlaintext?: boolean;
}

/**
 * Encrypts every payload (workflow inputs and results, activity arguments, signals, queries, memos) with
 * AES-256-GCM before it leaves the process, so e-mail and address never sit in plaintext in Temporal's
 * history. The key id travels in the payload's metadata, so keys can rotate: new payloads use the current
 * key, old ones decrypt with the key they name. AES-GCM also authenticates: decode refuses a tampered payload,
 * a truncated tag and (unless told otherwise) a payload in clear, so only holders of the keys can feed a saga.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(
    private readonly keys: PayloadKeys,
    private readonly options: CodecOptions = {},
  ) {
    for (const [id, key] of keys.keys) if (key.length !== 32) throw new Error(`payload key ${id} must be 32 bytes (AES-256)`);
    if (!keys.keys.has(keys.currentKeyId)) throw new Error(`no payload key with id ${keys.currentKeyId}`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.keys.get(this.keys.currentKeyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: text(ENCODING), [KEY_ID]: text(this.keys.currentKeyId) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!isSealed(payload)) {
        if (this.options.acceptPlaintext) return payload;
        throw new PlaintextPayloadError(encodingOf(payload));
      }
      const keyId = new TextDecoder().decode(payload.metadata?.[KEY_ID] ?? new Uint8Array());
      const key = this.keys.keys.get(keyId);
      if (!key) throw new UndecryptablePayloadError(keyId, `cannot decrypt a payload sealed with unknown key ${keyId}`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      // Node accepts a GCM tag of 4 to 16 bytes unless told its length: a forger could then try 2^32 tags, not 2^128.
      if (data.length < IV_BYTES + TAG_BYTES) throw new UndecryptablePayloadError(keyId, `cannot decrypt a payload sealed with key ${keyId}: ${data.length} bytes is shorter than an IV and a full tag`);
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new UndecryptablePayloadError(keyId, `cannot decrypt a payload sealed with key ${keyId}: authentication failed (another key under this id, or tampered data)`);
      }
      return proto.temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** Parses `PAYLOAD_KEYS="id:base64key,id:base64key"` and `PAYLOAD_KEY_ID`; undefined when no keys are set. */
export function payloadKeysFromEnv(rawKeys: string | undefined, currentKeyId: string | undefined): PayloadKeys | undefined {
  if (!rawKeys) return undefined;
  const keys = new Map(
    rawKeys.split(',').map((pair) => {
      const [id, material] = pair.trim().split(':');
      if (!id || !material) throw new Error('PAYLOAD_KEYS must look like id:base64key,id:base64key');
      return [id, Buffer.from(material, 'base64')] as const;
    }),
  );
  return { keys, currentKeyId: currentKeyId ?? [...keys.keys()].at(-1)! };
}
