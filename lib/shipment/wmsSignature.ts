import { createHmac, timingSafeEqual } from 'node:crypto';

/** The WMS callback's signature (the shipment context): the simulator signs `POST /webhooks/wms`, the API verifies it. */

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, Stripe-style. */
export const SIGNATURE_HEADER = 'hotpath-signature';

export function signPayload(secret: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${nowSeconds}.${body}`).digest('hex');
  return `t=${nowSeconds},v1=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; why: string };

/** Accepts a signature made with `secret` over exactly this body, no further than `toleranceSeconds` from now. */
export function verifySignature(secret: string, body: Buffer | string, header: string | undefined, toleranceSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): SignatureCheck {
  if (!header) return { ok: false, why: `the ${SIGNATURE_HEADER} header is missing` };
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return { ok: false, why: `the ${SIGNATURE_HEADER} header must look like t=…,v1=…` };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, why: 'the signature timestamp is outside the tolerance (a replay, or a clock far off)' };
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const given = Buffer.from(parts.v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'the signature does not match the body' };
  return { ok: true };
}
