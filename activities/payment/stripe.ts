import Stripe from 'stripe';
import {
  PaymentGatewayRefused,
  PaymentGatewayUnavailable,
  type AuthorizeOutcome,
  type CaptureOutcome,
  type PaymentGateway,
  type PaymentSnapshot,
} from './port';

export interface StripeSettings {
  apiKey: string;
  /** Where the API is: unset for Stripe itself, else the simulator, stripe-mock or a proxy. */
  apiBase?: string;
  timeoutMs: number;
}

/** A hold lasts 7 days for most cards (Stripe's capture window) when the charge does not say otherwise. */
const DEFAULT_CAPTURE_WINDOW_S = 7 * 24 * 60 * 60;

/** The Stripe client as the adapter configures it; shared by the webhook endpoint for constructEvent. */
export function stripeClient(settings: StripeSettings): Stripe {
  const base = settings.apiBase ? new URL(settings.apiBase) : undefined;
  return new Stripe(settings.apiKey, {
    // The saga's retry policy owns retries, always with the same idempotency key.
    maxNetworkRetries: 0,
    timeout: settings.timeoutMs,
    telemetry: false,
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'https:' ? 'https' : 'http' } : {}),
  });
}

/** The payment port on Stripe PaymentIntents: manual capture, one capture per order, refunds by amount. */
export function stripeGateway(settings: StripeSettings): PaymentGateway {
  const stripe = stripeClient(settings);

  return {
    async authorize(request): Promise<AuthorizeOutcome> {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amountCents,
            currency: request.currency.toLowerCase(),
            capture_method: 'manual',
            confirm: true,
            payment_method: request.paymentMethod,
            payment_method_types: ['card'],
            metadata: { order_id: request.orderId, attempt: String(request.attempt) },
            // A re-authorization, or a shipment's own share after an early capture, happens with the customer away.
            ...(request.attempt > 1 ? { off_session: true } : {}),
            expand: ['latest_charge'],
          },
          { idempotencyKey: request.idempotencyKey },
        );
        if (intent.status !== 'requires_capture') {
          // A card that needs 3-D Secure cannot be confirmed server-side: treat as a decline, release nothing held.
          return { outcome: 'declined', code: intent.status === 'requires_action' ? 'authentication_required' : `unexpected_status_${intent.status}` };
        }
        return { outcome: 'authorized', payment: snapshot(intent), expiresAt: captureDeadline(intent) };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) return { outcome: 'declined', code: error.decline_code ?? error.code ?? 'card_declined' };
        if (error instanceof Stripe.errors.StripeIdempotencyError) return { outcome: 'key_taken' };
        throw translate(error);
      }
    },

    async capture(request): Promise<CaptureOutcome> {
      try {
        const intent = await stripe.paymentIntents.capture(request.paymentId, { amount_to_capture: request.amountCents }, { idempotencyKey: request.idempotencyKey });
        return { outcome: 'captured', payment: snapshot(intent) };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeError && error.code === 'payment_intent_unexpected_state' && error.payment_intent) {
          const intent = error.payment_intent;
          if (intent.status === 'canceled' && intent.cancellation_reason === 'automatic') return { outcome: 'expired' };
          return { outcome: 'not_capturable', payment: snapshot(intent) };
        }
        throw translate(error);
      }
    },

    async void(request): Promise<PaymentSnapshot> {
      try {
        return snapshot(await stripe.paymentIntents.cancel(request.paymentId, { cancellation_reason: 'abandoned' }, { idempotencyKey: request.idempotencyKey }));
      } catch (error) {
        // Already canceled or already captured: nothing to release; the caller reads which from the state.
        if (error instanceof Stripe.errors.StripeError && error.code === 'payment_intent_unexpected_state' && error.payment_intent) return snapshot(error.payment_intent);
        throw translate(error);
      }
    },

    async refund(request) {
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: request.paymentId,
            amount: request.amountCents,
            metadata: { order_id: request.orderId, ...(request.shipmentId ? { shipment_id: request.shipmentId } : {}) },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return { refundId: refund.id, amountCents: refund.amount };
      } catch (error) {
        throw translate(error);
      }
    },

    async get(paymentId) {
      try {
        return snapshot(await stripe.paymentIntents.retrieve(paymentId));
      } catch (error) {
        throw translate(error);
      }
    },

    async find(orderId, attempt) {
      try {
        const found = await stripe.paymentIntents.search({ query: `metadata['order_id']:'${searchLiteral(orderId)}' AND metadata['attempt']:'${attempt}'`, limit: 10 });
        // The real authorization, not a placeholder left by preventAuthorization.
        const intent = found.data.find((candidate) => candidate.metadata?.placeholder !== 'true');
        return intent ? snapshot(intent) : undefined;
      } catch (error) {
        throw translate(error);
      }
    },

    async preventAuthorization(request) {
      // Stripe has no lookup by idempotency key, but a key remembers its first request's parameters: replaying
      // the key with different ones either fails (the authorization was made) or claims the key with an
      // unconfirmed, never-chargeable intent that is cancelled at once (the authorization can no longer be made).
      try {
        const placeholder = await stripe.paymentIntents.create(
          {
            // Above every supported currency's minimum charge (Stripe refuses smaller amounts even unconfirmed); never confirmed, never charged.
            amount: 100,
            currency: request.currency.toLowerCase(),
            capture_method: 'manual',
            payment_method_types: ['card'],
            metadata: { order_id: request.orderId, attempt: String(request.attempt), placeholder: 'true' },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        if (placeholder.metadata?.placeholder !== 'true') return 'exists';
        if (placeholder.status !== 'canceled') await stripe.paymentIntents.cancel(placeholder.id, { cancellation_reason: 'abandoned' }, { idempotencyKey: `${request.idempotencyKey}:placeholder-cancel` });
        return 'prevented';
      } catch (error) {
        if (error instanceof Stripe.errors.StripeIdempotencyError || error instanceof Stripe.errors.StripeCardError) return 'exists';
        throw translate(error);
      }
    },
  };
}

function snapshot(intent: Stripe.PaymentIntent): PaymentSnapshot {
  const charge = typeof intent.latest_charge === 'object' && intent.latest_charge !== null ? intent.latest_charge : undefined;
  return {
    paymentId: intent.id,
    orderId: intent.metadata?.order_id,
    status: intent.status === 'requires_capture' ? 'authorized' : intent.status === 'succeeded' ? 'captured' : intent.status === 'canceled' ? 'voided' : 'incomplete',
    currency: intent.currency.toUpperCase(),
    authorizedCents: intent.amount,
    capturedCents: intent.amount_received ?? 0,
    refundedCents: charge?.amount_refunded ?? 0,
  };
}

/** The end of the capture window: the charge's capture_before, else Stripe's default 7 days from creation. */
function captureDeadline(intent: Stripe.PaymentIntent): string {
  const charge = typeof intent.latest_charge === 'object' && intent.latest_charge !== null ? intent.latest_charge : undefined;
  const captureBefore = charge?.payment_method_details?.card?.capture_before;
  return new Date((captureBefore ?? intent.created + DEFAULT_CAPTURE_WINDOW_S) * 1000).toISOString();
}

function searchLiteral(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll("'", "\\'");
}

/** 429, 5xx, lock timeouts and network trouble are worth retrying with the same key; other refusals are not. */
function translate(error: unknown): Error {
  if (error instanceof Stripe.errors.StripeError) {
    const status = error.statusCode ?? 0;
    const retryable =
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeAPIError ||
      error instanceof Stripe.errors.StripeRateLimitError ||
      status === 429 ||
      status >= 500 ||
      status === 0 ||
      error.code === 'lock_timeout' ||
      error.code === 'idempotency_key_in_use';
    // Stripe's message can quote the request ("No such PaymentMethod: 'tok_…'"): it travels apart from the message.
    const message = `stripe answered ${status || 'nothing'}: ${error.code ?? error.type}`;
    return retryable ? new PaymentGatewayUnavailable(message, error.message) : new PaymentGatewayRefused(message, error.code, error.message);
  }
  return new PaymentGatewayUnavailable(`stripe unreachable: ${(error as Error).message}`);
}
