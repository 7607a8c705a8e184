import Stripe from 'stripe';
import { newId } from '../ids';

export type StripeEventType = 'payment_intent.canceled' | 'charge.refunded' | 'charge.dispute.created';

export interface WebhookTarget {
  url: string | undefined;
  secret: string | undefined;
}

const DELIVERY_TIMEOUT_MS = 5_000;
/** Stripe retries for days with growing gaps; the simulator retries a few times, quickly. */
const RETRY_DELAYS_MS = [200, 1_000, 3_000];

/**
 * Sends a signed event as Stripe does (Stripe-Signature: t=…,v1=HMAC-SHA256 of "t.payload"), signed with
 * the SDK's own test helper so the receiver's constructEvent is checked against Stripe's scheme. Fire and
 * forget: a failing receiver never affects the simulator; a non-2xx answer is retried.
 */
export function sendEvent(target: WebhookTarget, type: StripeEventType, object: object, now: number, idempotencyKey?: string): void {
  const { url, secret } = target;
  if (!url || !secret) return;
  const payload = JSON.stringify({
    id: newId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(now / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: idempotencyKey ?? null },
    type,
  });
  void deliver(url, secret, payload, 0);
}

async function deliver(url: string, secret: string, payload: string, attempt: number): Promise<void> {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  const delivered = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
  }).then(
    (res) => res.ok,
    () => false,
  );
  const delay = RETRY_DELAYS_MS[attempt];
  if (!delivered && delay !== undefined) setTimeout(() => void deliver(url, secret, payload, attempt + 1), delay).unref();
}
