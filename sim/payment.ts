import { Router, type Request } from 'express';
import { z } from 'zod';
import { bodyReference } from './behavior';
import {
  answer,
  failure,
  isoAt,
  notFound,
  ok,
  parseInput,
  pathParam,
  VendorError,
  type VendorResult,
} from './http';
import { newId } from './ids';
import type { SimRecord } from './keyed-records';
import { currencySchema, nonEmpty } from './schemas';
import type { SimState } from './state';
import { vendorRoutes } from './vendor-route';

export type AuthorizationStatus = 'authorized' | 'captured' | 'voided' | 'declined';

/** A capture or void applied to an authorization. */
export interface PaymentEvent {
  reference: string;
  idempotencyKey: string;
  createdAt: string;
}

export interface Refund extends SimRecord {
  type: 'refund';
  authorizationId: string;
  amountCents: number;
}

export interface Authorization extends SimRecord {
  type: 'authorization';
  status: AuthorizationStatus;
  amountCents: number;
  currency: string;
  paymentToken: string;
  declineCode: string | null;
  expiresAt: string;
  capturedCents: number;
  refundedCents: number;
  voidedCents: number;
  capture: PaymentEvent | null;
  void: PaymentEvent | null;
  refunds: Refund[];
}

const APPROVING_TOKENS = new Set(['tok_visa', 'tok_mastercard', 'tok_amex']);

const DECLINE_CODES: Record<string, string> = {
  tok_chargeDeclined: 'card_declined',
  tok_chargeDeclinedInsufficientFunds: 'insufficient_funds',
};

const reference = nonEmpty;
const amountCents = z.number().int().positive();

const authorizeSchema = z.object({
  reference,
  amountCents,
  currency: currencySchema,
  paymentToken: nonEmpty,
});

const captureSchema = z.object({ amountCents: amountCents.optional() });

const voidSchema = z.object({ reference, authorizationKey: nonEmpty });

const refundSchema = z.object({ reference, authorizationId: nonEmpty, amountCents });

function findAuthorization(state: SimState, id: string): Authorization {
  const auth = state.authorizations.byId(id);
  if (!auth) throw notFound('authorization', id);
  return auth;
}

export function paymentRouter(state: SimState): Router {
  const router = Router();
  const routes = vendorRoutes(state, 'payment');
  const { authorizations } = state;

  const find = (id: string) => findAuthorization(state, id);

  const isExpired = (auth: Authorization) => state.now() >= Date.parse(auth.expiresAt);

  const authorize = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(authorizeSchema, req.body);
    if (authorizations.isTombstoned(idempotencyKey)) {
      const message = `Authorization ${idempotencyKey} was voided before it arrived`;
      throw new VendorError(409, 'authorization_voided', message);
    }
    const now = state.now();
    const declineCode = APPROVING_TOKENS.has(input.paymentToken)
      ? null
      : (DECLINE_CODES[input.paymentToken] ?? 'invalid_token');
    const auth = authorizations.add({
      type: 'authorization',
      id: newId('auth'),
      reference: input.reference,
      idempotencyKey,
      createdAt: isoAt(now),
      status: declineCode ? 'declined' : 'authorized',
      amountCents: input.amountCents,
      currency: input.currency,
      paymentToken: input.paymentToken,
      declineCode,
      expiresAt: isoAt(now + state.authTtlMs),
      capturedCents: 0,
      refundedCents: 0,
      voidedCents: 0,
      capture: null,
      void: null,
      refunds: [],
    });
    if (declineCode) return failure(402, declineCode, `Payment token ${input.paymentToken} was declined`);
    const { id, status, currency, expiresAt } = auth;
    return ok(201, { id, status, amountCents: auth.amountCents, currency, expiresAt });
  };

  const capture = (req: Request, idempotencyKey: string): VendorResult => {
    const auth = find(pathParam(req, 'id'));
    const input = parseInput(captureSchema, req.body ?? {});
    if (auth.status === 'voided') throw new VendorError(409, 'authorization_voided', `${auth.id} was voided`);
    if (auth.status === 'declined') throw new VendorError(409, 'authorization_declined', `${auth.id} was declined`);
    if (auth.status === 'captured') throw new VendorError(409, 'already_captured', `${auth.id} was already captured`);
    if (isExpired(auth)) throw new VendorError(409, 'authorization_expired', `${auth.id} expired at ${auth.expiresAt}`);
    const capturedCents = input.amountCents ?? auth.amountCents;
    if (capturedCents > auth.amountCents) {
      const message = `Cannot capture ${capturedCents}, only ${auth.amountCents} authorized`;
      throw new VendorError(400, 'amount_too_large', message);
    }
    // One capture finalizes the authorization, as at most gateways: the uncaptured rest is released.
    auth.status = 'captured';
    auth.capturedCents = capturedCents;
    auth.voidedCents = auth.amountCents - capturedCents;
    auth.capture = { reference: auth.reference, idempotencyKey, createdAt: isoAt(state.now()) };
    return ok(200, { id: auth.id, status: auth.status, capturedCents, releasedCents: auth.voidedCents });
  };

  // Addressed by the authorization's Idempotency-Key: a timed-out authorize may
  // have succeeded without the caller ever learning its id.
  const voidAuthorization = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(voidSchema, req.body);
    const auth = authorizations.byKey(input.authorizationKey);
    const createdAt = isoAt(state.now());
    if (!auth) {
      authorizations.tombstone({ key: input.authorizationKey, reference: input.reference, idempotencyKey, createdAt });
      return ok(200, { status: 'nothing_to_void' });
    }
    if (auth.status === 'declined') return ok(200, { status: 'nothing_to_void' });
    if (auth.status === 'captured') throw new VendorError(409, 'already_captured', `${auth.id} was already captured`);
    if (auth.status === 'authorized') {
      auth.status = 'voided';
      auth.voidedCents = auth.amountCents;
      auth.void = { reference: input.reference, idempotencyKey, createdAt };
    }
    return ok(200, { status: 'voided', authorizationId: auth.id, amountCents: auth.amountCents });
  };

  const refund = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(refundSchema, req.body);
    const auth = find(input.authorizationId);
    if (auth.status !== 'captured') throw new VendorError(409, 'not_captured', `${auth.id} is ${auth.status}`);
    const refundable = auth.capturedCents - auth.refundedCents;
    if (input.amountCents > refundable) {
      throw new VendorError(409, 'refund_exceeds_capture', `Only ${refundable} of ${auth.id} is left to refund`);
    }
    const record: Refund = {
      type: 'refund',
      id: newId('re'),
      reference: input.reference,
      idempotencyKey,
      createdAt: isoAt(state.now()),
      authorizationId: auth.id,
      amountCents: input.amountCents,
    };
    auth.refunds.push(record);
    auth.refundedCents += record.amountCents;
    return ok(201, { id: record.id, authorizationId: auth.id, amountCents: record.amountCents });
  };

  // A capture names no reference, so scoped behavior follows its authorization.
  const captureReference = (req: Request) => bodyReference(req) ?? authorizations.byId(pathParam(req, 'id'))?.reference;

  router.post('/authorizations', routes.write(authorize));
  router.post('/authorizations/:id/capture', routes.write(capture, captureReference));
  router.get('/authorizations/:id', routes.read((req) => ok(200, find(pathParam(req, 'id')))));
  router.post('/voids', routes.write(voidAuthorization));
  router.post('/refunds', routes.write(refund));
  return router;
}

export function paymentControlRouter(state: SimState): Router {
  const router = Router();
  router.post(
    '/authorizations/:id/expire',
    answer((req) => {
      const auth = findAuthorization(state, pathParam(req, 'id'));
      auth.expiresAt = isoAt(state.now());
      return ok(200, auth);
    }),
  );
  return router;
}
