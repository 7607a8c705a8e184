import type { RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Role } from '../../lib/credentials';
import type { Identity } from '../auth/auth';
import { clientAddress } from '../auth/auth';
import { Problem, sendProblem } from '../problem';
import { BoundedMemoryStore } from './boundedStore';

/** Requests a minute, per API process. */
export interface RequestBudgets {
  /** Per client address: anonymous requests, and those that sent a wrong credential. */
  anonymous: number;
  /** Per principal of each role. */
  byRole: Record<Role, number>;
  /** Per principal name, overriding its role's (RATE_LIMITS_PER_MINUTE). */
  byPrincipal: Record<string, number>;
}

/** Keys held at once by the in-memory counters (about 100 bytes each); past it the one seen longest ago goes. */
const MAX_COUNTED_KEYS = 100_000;

/**
 * The general budget, after the credential check and before any body is read: per verified principal (its own
 * number, else its role's), per client address when anonymous or when the credential was wrong, so changing a
 * bogus Authorization header on every request dodges nothing. Every answer carries the IETF RateLimit headers
 * (draft 8); a 429 also carries Retry-After.
 */
export function generalRateLimit(budgets: RequestBudgets): RequestHandler {
  const identityOf = (res: Response) => res.locals.identity as Identity | undefined;
  const budgetOf = (res: Response) => {
    const identity = identityOf(res);
    if (!identity) return budgets.anonymous;
    return budgets.byPrincipal[identity.principal] ?? budgets.byRole[identity.role];
  };
  return rateLimit({
    windowMs: 60_000,
    limit: (_req, res) => budgetOf(res),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: (_req, res) => (identityOf(res) ? 'principal' : 'address'),
    keyGenerator: (req, res) => {
      const principal = identityOf(res)?.principal;
      return principal ? `principal:${principal}` : `address:${clientAddress(req)}`;
    },
    store: new BoundedMemoryStore(MAX_COUNTED_KEYS),
    handler: (_req, res) => sendProblem(res, new Problem(429, 'Too many requests', `more than ${budgetOf(res)} requests a minute; slow down`)),
  });
}
