import { createHash } from 'node:crypto';
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { simulated, type ReferenceOf, type VendorAction } from '../behavior';
import { answer, ok, pathParam, type VendorResult } from '../http';
import { newId } from '../ids';
import type { SimState } from '../state';
import { cardOutcome } from './cards';
import { missingParam, noSuch, StripeError, stripeOutcome, invalidParam } from './errors';
import { chargeView, disputeView, paymentIntentView, refundView, type SimPaymentIntent } from './objects';
import { parseQuery } from './search';
import { sendEvent } from './webhooks';

type KeyedStripeAction = (req: Request, idempotencyKey: string | undefined) => VendorResult;

const CANCELABLE = new Set(['requires_payment_method', 'requires_capture']);

/**
 * The subset of Stripe's API the payment adapter uses, form-encoded under /v1 as Stripe serves it:
 * PaymentIntents (create+confirm with manual capture, capture with amount_to_capture, cancel, retrieve,
 * search by metadata) and refunds. Idempotency-Key is honoured as Stripe does: a repeat replays the first
 * answer, a repeat with other parameters is an idempotency_error. Fault injection is the payment system's.
 */
export function stripeRouter(state: SimState): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: true, limit: '100kb' }));
  const vendor = simulated(state.behaviors, 'payment', state.random);
  const intents = state.paymentIntents;
  const nowS = () => Math.floor(state.now() / 1000);
  const webhook = { url: state.stripeWebhookUrl, secret: state.stripeWebhookSecret };

  const find = (id: string, param?: string) => {
    const pi = intents.byId(id);
    if (!pi) throw noSuch('payment_intent', id, param);
    return pi;
  };
  const unexpectedState = (pi: SimPaymentIntent, action: string) =>
    new StripeError(400, 'invalid_request_error', 'payment_intent_unexpected_state', `This PaymentIntent's ${action} could not be performed because it has a status of ${pi.status}.`, {
      payment_intent: paymentIntentView(pi),
    });

  /** Stripe lets an uncaptured hold lapse at the end of its capture window, cancelling the PaymentIntent. */
  const lapseIfExpired = (pi: SimPaymentIntent) => {
    if (pi.status !== 'requires_capture' || pi.capture_before === null || state.now() < pi.capture_before * 1000) return;
    pi.status = 'canceled';
    pi.cancellation_reason = 'automatic';
    pi.canceled_at = nowS();
    pi.amount_capturable = 0;
    sendEvent(webhook, 'payment_intent.canceled', paymentIntentView(pi), state.now());
  };

  const write = (action: KeyedStripeAction, referenceOf: ReferenceOf): express.RequestHandler => vendor(stripeIdempotent(state, action), referenceOf);
  // Reads follow the system's default rule only, as for every simulated vendor: a scoped fault breaks writes.
  const read = (action: VendorAction): express.RequestHandler => vendor((req) => stripeOutcome(() => action(req)), () => undefined);
  const intentReference: ReferenceOf = (req) => intents.byId(pathParam(req, 'id'))?.reference;
  const metadataReference: ReferenceOf = (req) => {
    const orderId: unknown = req.body?.metadata?.order_id;
    return typeof orderId === 'string' ? orderId : undefined;
  };

  router.post(
    '/payment_intents',
    write((req, idempotencyKey) => {
      const body = req.body as Record<string, unknown>;
      const amount = positiveInteger(body.amount, 'amount');
      const currency = requiredString(body.currency, 'currency').toLowerCase();
      const metadata = metadataOf(body.metadata);
      const captureMethod = (body.capture_method as SimPaymentIntent['capture_method'] | undefined) ?? 'automatic_async';
      if (captureMethod !== 'manual') throw new StripeError(400, 'invalid_request_error', 'parameter_invalid_string', 'The simulator only supports capture_method=manual.', { param: 'capture_method' });
      const paymentMethod = typeof body.payment_method === 'string' ? body.payment_method : null;
      const confirm = body.confirm === 'true' || body.confirm === true;
      if (confirm && !paymentMethod) throw missingParam('payment_method');
      const card = paymentMethod ? cardOutcome(paymentMethod) : undefined;
      if (card?.kind === 'unknown') throw new StripeError(400, 'invalid_request_error', 'resource_missing', `No such PaymentMethod: '${paymentMethod}'`, { param: 'payment_method' });
      const pi = intents.add({
        type: 'payment_intent',
        id: newId('pi'),
        reference: metadata.order_id ?? '',
        idempotencyKey: idempotencyKey ?? newId('nokey'),
        createdAt: new Date(state.now()).toISOString(),
        status: 'requires_payment_method',
        amount,
        amount_capturable: 0,
        amount_received: 0,
        amount_refunded: 0,
        currency,
        capture_method: captureMethod,
        payment_method: card ? card.paymentMethod : null,
        metadata,
        created: nowS(),
        capture_before: null,
        cancellation_reason: null,
        canceled_at: null,
        charge_id: null,
        last_payment_error: null,
        refunds: [],
        disputes: [],
      });
      const rules = state.paymentRules.get(metadata.order_id ?? '') ?? {};
      const offSession = body.off_session === 'true' || body.off_session === true;
      if (confirm && offSession && rules.declineOffSession && card?.kind === 'approved') {
        // The bank wants the cardholder present (3-D Secure), as for many off-session payments in the EEA.
        const message = 'Your card was declined. This transaction requires authentication.';
        pi.last_payment_error = { code: 'authentication_required', decline_code: 'authentication_required', message };
        throw new StripeError(402, 'card_error', 'authentication_required', message, { decline_code: 'authentication_required', payment_intent: paymentIntentView(pi) });
      }
      if (confirm && card?.kind === 'declined') {
        const message = 'Your card was declined.';
        pi.last_payment_error = { code: card.code, decline_code: card.declineCode, message };
        throw new StripeError(402, 'card_error', card.code, message, { decline_code: card.declineCode, payment_intent: paymentIntentView(pi) });
      }
      if (confirm) {
        pi.status = 'requires_capture';
        pi.amount_capturable = amount;
        pi.charge_id = newId('ch');
        pi.capture_before = Math.floor((state.now() + (rules.authorizationTtlMs ?? state.authTtlMs)) / 1000);
      }
      return ok(200, paymentIntentView(pi, expandOf(body)));
    }, metadataReference),
  );

  router.get(
    '/payment_intents/search',
    read((req) => {
      const query = typeof req.query.query === 'string' ? req.query.query : '';
      if (!query) throw missingParam('query');
      const matches = parseQuery(query);
      // Stripe's search index trails writes (up to a minute); the simulator's by SIM_SEARCH_LAG_MS.
      const visibleBefore = state.now() - state.searchLagMs;
      const found = intents.list().filter((pi) => Date.parse(pi.createdAt) <= visibleBefore && matches(pi));
      const limit = Number(req.query.limit ?? 10);
      const data = found.slice(0, Number.isInteger(limit) && limit > 0 ? limit : 10).map((pi) => paymentIntentView(pi));
      return ok(200, { object: 'search_result', data, has_more: found.length > data.length, next_page: null, url: '/v1/payment_intents/search' });
    }),
  );

  router.get(
    '/payment_intents/:id',
    read((req) => {
      const pi = find(pathParam(req, 'id'));
      lapseIfExpired(pi);
      return ok(200, paymentIntentView(pi, expandOf(req.query)));
    }),
  );

  router.post(
    '/payment_intents/:id/capture',
    write((req) => {
      const pi = find(pathParam(req, 'id'));
      lapseIfExpired(pi);
      if (pi.status !== 'requires_capture') throw unexpectedState(pi, 'capture');
      const body = req.body as Record<string, unknown>;
      const amount = body.amount_to_capture === undefined ? pi.amount_capturable : positiveInteger(body.amount_to_capture, 'amount_to_capture');
      if (amount > pi.amount_capturable) {
        throw new StripeError(400, 'invalid_request_error', 'amount_too_large', `The amount to capture (${amount}) exceeds the capturable amount (${pi.amount_capturable}).`, { param: 'amount_to_capture' });
      }
      // One capture finalizes the PaymentIntent: the uncaptured rest of the hold is released.
      pi.status = 'succeeded';
      pi.amount_received = amount;
      pi.amount_capturable = 0;
      return ok(200, paymentIntentView(pi, expandOf(body)));
    }, intentReference),
  );

  router.post(
    '/payment_intents/:id/cancel',
    write((req, idempotencyKey) => {
      const pi = find(pathParam(req, 'id'));
      lapseIfExpired(pi);
      if (!CANCELABLE.has(pi.status)) throw unexpectedState(pi, 'cancel');
      pi.status = 'canceled';
      pi.cancellation_reason = typeof req.body?.cancellation_reason === 'string' ? req.body.cancellation_reason : null;
      pi.canceled_at = nowS();
      pi.amount_capturable = 0;
      sendEvent(webhook, 'payment_intent.canceled', paymentIntentView(pi), state.now(), idempotencyKey);
      return ok(200, paymentIntentView(pi, expandOf(req.body)));
    }, intentReference),
  );

  router.post(
    '/refunds',
    write(
      (req, idempotencyKey) => {
        const body = req.body as Record<string, unknown>;
        const pi = find(requiredString(body.payment_intent, 'payment_intent'), 'payment_intent');
        if (pi.status !== 'succeeded') throw unexpectedState(pi, 'refund');
        const refundable = pi.amount_received - pi.amount_refunded;
        const amount = body.amount === undefined ? refundable : positiveInteger(body.amount, 'amount');
        if (amount > refundable || amount === 0) {
          throw new StripeError(400, 'invalid_request_error', amount === 0 ? 'charge_already_refunded' : 'amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`, { param: 'amount' });
        }
        const refund = { id: newId('re'), amount, metadata: metadataOf(body.metadata), created: nowS(), idempotencyKey: idempotencyKey ?? '' };
        pi.refunds.push(refund);
        pi.amount_refunded += amount;
        sendEvent(webhook, 'charge.refunded', chargeView(pi), state.now(), idempotencyKey);
        return ok(200, refundView(pi, refund));
      },
      (req) => metadataReference(req) ?? (typeof req.body?.payment_intent === 'string' ? intents.byId(req.body.payment_intent)?.reference : undefined),
    ),
  );

  return router;
}

const paymentRulesSchema = z.strictObject({
  authorizationTtlMs: z.number().int().min(1_000).optional(),
  declineOffSession: z.boolean().optional(),
});

/** Simulator controls: lapse a hold now, set an order's card rules, or have the cardholder dispute a captured payment. */
export function stripeControlRouter(state: SimState): Router {
  const router = Router();
  router.put(
    '/orders/:orderId/rules',
    answer((req) => {
      const parsed = paymentRulesSchema.safeParse(req.body ?? {});
      if (!parsed.success) return ok(400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      state.paymentRules.set(pathParam(req, 'orderId'), parsed.data);
      return ok(200, parsed.data);
    }),
  );
  const find = (id: string) => {
    const pi = state.paymentIntents.byId(id);
    if (!pi) throw noSuch('payment_intent', id);
    return pi;
  };
  router.post(
    '/payment_intents/:id/expire',
    answer((req) =>
      stripeOutcome(() => {
        const pi = find(pathParam(req, 'id'));
        pi.capture_before = Math.floor(state.now() / 1000);
        return ok(200, pi);
      }),
    ),
  );
  router.post(
    '/payment_intents/:id/dispute',
    answer((req) =>
      stripeOutcome(() => {
        const pi = find(pathParam(req, 'id'));
        if (pi.status !== 'succeeded') throw new StripeError(400, 'invalid_request_error', 'charge_not_captured', `${pi.id} has no captured charge to dispute`);
        const dispute = { id: newId('dp'), amount: pi.amount_received - pi.amount_refunded, reason: String(req.body?.reason ?? 'fraudulent'), created: Math.floor(state.now() / 1000) };
        pi.disputes.push(dispute);
        sendEvent({ url: state.stripeWebhookUrl, secret: state.stripeWebhookSecret }, 'charge.dispute.created', disputeView(pi, dispute), state.now());
        return ok(200, pi);
      }),
    ),
  );
  return router;
}

/**
 * Stripe's idempotency: the first answer to a key is replayed for a repeat with the same parameters; other
 * parameters under the same key are an idempotency_error. Injected 503s never get here, so they are not stored.
 */
function stripeIdempotent(state: SimState, action: KeyedStripeAction): VendorAction {
  return (req) => {
    const key = req.get('Idempotency-Key')?.trim();
    if (!key) return stripeOutcome(() => action(req, undefined));
    const fingerprint = `${req.method} ${req.baseUrl}${req.path} ${createHash('sha256').update(JSON.stringify(req.body ?? {})).digest('hex')}`;
    const stored = state.idempotency.get('payment', key);
    if (stored) {
      if (stored.endpoint === fingerprint) return stored.result;
      return new StripeError(
        400,
        'idempotency_error',
        undefined,
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      ).toResult();
    }
    const result = stripeOutcome(() => action(req, key));
    if (result.status < 500 && result.status !== 429) state.idempotency.put('payment', key, { endpoint: fingerprint, result: structuredClone(result) });
    return result;
  };
}

function positiveInteger(value: unknown, param: string): number {
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  if (value === undefined) throw missingParam(param);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw invalidParam(param, `Invalid positive integer: ${param}`);
  return parsed;
}

function requiredString(value: unknown, param: string): string {
  if (typeof value !== 'string' || value === '') throw missingParam(param);
  return value;
}

function metadataOf(value: unknown): Record<string, string> {
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StripeError(400, 'invalid_request_error', 'parameter_invalid_empty', 'Invalid hash: metadata', { param: 'metadata' });
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/** `expand[]`: parsed to an array from a form body; flat `expand[0]` keys in a query string (Express 5's simple parser). */
function expandOf(source: unknown): string[] {
  if (!source || typeof source !== 'object') return [];
  return Object.entries(source).flatMap(([key, value]) => {
    if (!/^expand(\[\d*\])?$/.test(key)) return [];
    if (Array.isArray(value)) return value.map(String);
    if (value && typeof value === 'object') return Object.values(value).map(String);
    return typeof value === 'string' ? [value] : [];
  });
}

