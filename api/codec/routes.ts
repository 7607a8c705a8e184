import { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { isSealed } from '../../lib/codec/aesGcmCodec';
import { z } from 'zod';
import { requireRoleWith } from '../auth/auth';
import { CODEC_BODY, jsonBody } from '../input/requestBody';
import type { Credential } from '../../lib/credentials';
import { Problem, invalidInput } from '../problem';

export const wirePayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(1000),
});
type WirePayloads = z.infer<typeof wirePayloads>['payloads'];

const fromWire = (payloads: WirePayloads) =>
  payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  }));
const toWire = (payloads: Awaited<ReturnType<PayloadCodec['decode']>>) =>
  payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  }));

/**
 * Lets the Temporal Web UI (its own origin) call the codec with the staff credential: a bearer token, or the
 * console's session cookie ("include cross-origin credentials" in the UI's codec settings). Credentialed CORS
 * names the one allowed origin the request came from, never `*`.
 */
function cors(origins: string[]): RequestHandler {
  const allowed = new Set(origins.filter((o) => o && o !== '*'));
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin && allowed.has(origin)) {
      res.set({
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type, authorization, x-namespace',
        'access-control-max-age': '600',
      });
    }
    if (req.method === 'OPTIONS') return res.status(204).end();
    next();
  };
}

/**
 * Encode seals every payload. Decode opens the sealed ones and shows a payload in clear as it is: this endpoint
 * only displays (to staff, in the Web UI, which sends every `payloads` field of a history, also those Temporal or
 * a keyless client wrote), while the workers' and clients' own codec refuses to act on such a payload.
 */
async function run(codec: PayloadCodec, direction: 'encode' | 'decode', payloads: Payload[]): Promise<Payload[]> {
  if (direction === 'encode') return codec.encode(payloads);
  const sealed = payloads.filter(isSealed);
  const opened = sealed.length > 0 ? await codec.decode(sealed) : [];
  let next = 0;
  return payloads.map((p) => (isSealed(p) ? opened[next++]! : p));
}

/**
 * A Temporal codec server: authorised staff (and the Web UI acting for them) see decrypted payloads;
 * Temporal itself only ever stores ciphertext.
 */
export function codecRoutes(codec: PayloadCodec | undefined, credentials: Credential[], origins: string[]): Router {
  const router = Router();
  router.use('/codec', cors(origins));
  for (const direction of ['encode', 'decode'] as const) {
    // Encoding and decoding change nothing, so the console cookie needs no CSRF header here (the Web UI cannot send one).
    // The 8 MB allowance is read only once the caller is known to be staff.
    router.post(`/codec/${direction}`, requireRoleWith({ changesNothing: true }, credentials, 'staff'), jsonBody(CODEC_BODY), async (req, res) => {
      if (!codec) throw new Problem(404, 'No codec', 'payload encryption is not configured (PAYLOAD_KEYS)');
      const body = wirePayloads.safeParse(req.body);
      if (!body.success) throw invalidInput(body.error);
      const result = await run(codec, direction, fromWire(body.data.payloads)).catch((err: Error) => {
        throw new Problem(400, 'Cannot ' + direction, err.message);
      });
      res.json({ payloads: toWire(result) });
    });
  }
  return router;
}
