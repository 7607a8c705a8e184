/**
 * The payment port: what the saga needs from a card gateway, in the saga's words. Activities call this
 * interface, never URLs; an adapter (Stripe's in ./stripe.ts) turns it into one gateway's API.
 * docs/deploy.md lists what another gateway's adapter must guarantee.
 *
 * Every mutating call carries an idempotency key derived from the saga's step keys: a repeat with the same
 * key and the same arguments must not move money again. Amounts are in the currency's minor unit.
 */
export interface PaymentGateway {
  /** Places a hold of `amountCents` on the checkout's payment method; nothing is charged yet. */
  authorize(request: AuthorizeRequest): Promise<AuthorizeOutcome>;
  /** Charges `amountCents` (≤ the hold) once; the rest of the hold is released. */
  capture(request: { paymentId: string; amountCents: number; idempotencyKey: string }): Promise<CaptureOutcome>;
  /** Releases a hold; a payment already released answers its current state, a captured one its captured state. */
  void(request: { paymentId: string; idempotencyKey: string }): Promise<PaymentSnapshot>;
  /** Gives back part of what was captured; may be called several times, up to what was captured. */
  refund(request: RefundRequest): Promise<{ refundId: string; amountCents: number }>;
  /** The payment as the gateway knows it now. */
  get(paymentId: string): Promise<PaymentSnapshot>;
  /** The payment one authorization attempt of an order created, found by its metadata; may lag behind writes. */
  find(orderId: string, attempt: number): Promise<PaymentSnapshot | undefined>;
  /**
   * For a compensation that cannot find an authorization: makes sure none will ever be made under
   * `idempotencyKey`. 'prevented': a later authorize with that key answers 'key_taken'; 'exists': an
   * authorization was made under the key (the caller must find it, retrying while search lags).
   */
  preventAuthorization(request: { orderId: string; attempt: number; currency: string; idempotencyKey: string }): Promise<'prevented' | 'exists'>;
}

export interface AuthorizeRequest {
  orderId: string;
  attempt: number;
  amountCents: number;
  currency: string;
  /** A PaymentMethod id (pm_…) or, as the simulator's and Stripe's test aliases, a card token (tok_…). */
  paymentMethod: string;
  idempotencyKey: string;
}

export type AuthorizeOutcome =
  | { outcome: 'authorized'; payment: PaymentSnapshot; expiresAt: string }
  | { outcome: 'declined'; code: string }
  /** A compensation took the key first (preventAuthorization): the order is being undone. */
  | { outcome: 'key_taken' };

export type CaptureOutcome = { outcome: 'captured'; payment: PaymentSnapshot } | { outcome: 'expired' } | { outcome: 'not_capturable'; payment: PaymentSnapshot };

export interface RefundRequest {
  orderId: string;
  paymentId: string;
  amountCents: number;
  idempotencyKey: string;
  shipmentId?: string;
}

export interface PaymentSnapshot {
  paymentId: string;
  orderId: string | undefined;
  status: 'authorized' | 'captured' | 'voided' | 'incomplete';
  currency: string;
  authorizedCents: number;
  /** amount_received */
  capturedCents: number;
  refundedCents: number;
}

/** The gateway could not be reached or asked to come back later (network, 429, 5xx): retry with the same key. */
export class PaymentGatewayUnavailable extends Error {
  override readonly name = 'PaymentGatewayUnavailable';
  constructor(
    message: string,
    /** The gateway's own message (may quote the request): for the failure's encrypted details, never its message. */
    readonly vendorMessage?: string,
  ) {
    super(message);
  }
}

/** The gateway refused a request no retry will change: a bug in the adapter or a contract change. */
export class PaymentGatewayRefused extends Error {
  override readonly name = 'PaymentGatewayRefused';
  constructor(
    message: string,
    readonly code: string | undefined,
    /** The gateway's own message (may quote the request): for the failure's encrypted details, never its message. */
    readonly vendorMessage?: string,
  ) {
    super(message);
  }
}
