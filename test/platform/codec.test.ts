import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, PlaintextPayloadError, payloadKeysFromEnv } from '../../lib/codec/aesGcmCodec';
import { dataConverterFor } from '../../lib/codec/dataConverter';

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

describe('AES-256-GCM payload codec', () => {
  const payload = defaultPayloadConverter.toPayload({ email: 'ada@example.com', line1: '12 Analytical St' });

  it('round-trips a payload and leaves no plaintext in the sealed one', async () => {
    const codec = new AesGcmPayloadCodec(payloadKeysFromEnv(`k1:${key(1)}`, undefined)!);
    const [sealed] = await codec.encode([payload]);
    expect(Buffer.from(sealed!.data!).includes(Buffer.from('ada@example.com'))).toBe(false);
    expect(new TextDecoder().decode(sealed!.metadata!['encryption-key-id'])).toBe('k1');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ email: 'ada@example.com', line1: '12 Analytical St' });
  });

  it('rotates keys: new payloads use the current key, old ones still open with theirs', async () => {
    const old = new AesGcmPayloadCodec(payloadKeysFromEnv(`k1:${key(1)}`, 'k1')!);
    const rotated = new AesGcmPayloadCodec(payloadKeysFromEnv(`k1:${key(1)},k2:${key(2)}`, 'k2')!);
    const [sealedOld] = await old.encode([payload]);
    const [sealedNew] = await rotated.encode([payload]);
    expect(new TextDecoder().decode(sealedNew!.metadata!['encryption-key-id'])).toBe('k2');
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([sealedOld!]))[0]!)).toEqual(defaultPayloadConverter.fromPayload(payload));
    await expect(old.decode([sealedNew!])).rejects.toThrow(/unknown key k2/);
  });

  it('refuses a tampered payload', async () => {
    const codec = new AesGcmPayloadCodec(payloadKeysFromEnv(`k1:${key(1)}`, undefined)!);
    const [sealed] = await codec.encode([payload]);
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 0xff;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow(/authentication failed/);
  });

  it('refuses a payload in clear (only a client without the keys writes one), unless told to read old histories', async () => {
    const codec = new AesGcmPayloadCodec(payloadKeysFromEnv(`k1:${key(1)}`, undefined)!);
    const [sealed] = await codec.encode([payload]);
    await expect(codec.decode([payload])).rejects.toThrow(PlaintextPayloadError);
    await expect(codec.decode([sealed!, payload])).rejects.toThrow(/not encrypted \(encoding json\/plain\)/);
    await expect(codec.decode([{ data: Buffer.from('{}') }])).rejects.toThrow(/encoding none/);
    // The converter every process builds from its settings: strict unless ALLOW_PLAINTEXT_PAYLOADS.
    const strict = dataConverterFor({ PAYLOAD_KEYS: `k1:${key(1)}` })!.payloadCodecs![0]!;
    await expect(strict.decode([payload])).rejects.toThrow(PlaintextPayloadError);
    const lenient = dataConverterFor({ PAYLOAD_KEYS: `k1:${key(1)}`, ALLOW_PLAINTEXT_PAYLOADS: true })!.payloadCodecs![0]!;
    expect(await lenient.decode([payload])).toEqual([payload]);
  });

  it('refuses a sealed payload too short for an IV and a full 16-byte tag, before any decryption', async () => {
    const codec = new AesGcmPayloadCodec(payloadKeysFromEnv(`k1:${key(1)}`, undefined)!);
    const [sealed] = await codec.encode([payload]);
    for (const length of [0, 4, 8, 27]) {
      await expect(codec.decode([{ ...sealed!, data: Buffer.from(sealed!.data!).subarray(0, length) }])).rejects.toThrow(/shorter than an IV and a full tag/);
    }
    // A tag cut to 4 bytes (what Node accepts unless told the length) is refused as well.
    const data = Buffer.from(sealed!.data!);
    await expect(codec.decode([{ ...sealed!, data: data.subarray(0, data.length - 12) }])).rejects.toThrow(/authentication failed/);
  });

  it('rejects keys of the wrong size', () => {
    expect(() => new AesGcmPayloadCodec(payloadKeysFromEnv(`k1:${Buffer.alloc(16).toString('base64')}`, undefined)!)).toThrow(/32 bytes/);
  });
});
