import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { setFailureHeaders, type AuthFailureGuard } from '../limits/failureGuard';
import { Problem } from '../problem';
import type { Credential, Role } from '../../lib/credentials';
import type { StaffSession } from './sessions';

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare equal-length buffers in constant time; the length check leaks only the length.
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The credential a bearer token belongs to, if any. */
export function credentialFor(credentials: readonly Credential[], token: string): Credential | undefined {
  return credentials.find((c) => sameSecret(c.token, token));
}

/** The staff credential a token belongs to, if any. */
export function staffCredentialFor(credentials: readonly Credential[], token: string): Credential | undefined {
  return credentials.find((c) => c.role === 'staff' && sameSecret(c.token, token));
}

/** The header a cookie-authenticated state-changing request must carry (cross-site pages cannot set it). */
export const CONSOLE_HEADER = 'x-hotpath-console';

/** Whether the request reached us over HTTPS (directly or, per its proxy, before it); only ever adds `Secure`. */
export const overHttps = (req: { secure: boolean; headers: Record<string, string | string[] | undefined> }) =>
  req.secure || req.headers['x-forwarded-proto'] === 'https';

// ---------------------------------------------------------------------------------------------------------
// Who is calling: verified once per request, before the rate limits, which are keyed on the answer.

/** A verified caller: a bearer token's credential or a console session. */
export interface Identity {
  principal: string;
  role: Role;
  by: 'bearer' | 'session';
}

/** The client's address as the limits count it (IPv6 by /56, as one household or host would hold). */
export const clientAddress = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');

export function tooManyFailures(retryAfterSeconds: number): Problem {
  return new Problem(429, 'Too many failed credentials', `too many wrong tokens or sign-ins from this address; a wrong one is refused for ${retryAfterSeconds} s more (a right one is always accepted)`, {
    retryAfterSeconds,
  });
}

const bearerToken = (header: string) => (header.startsWith('Bearer ') ? header.slice(7).trim() || undefined : undefined);

/**
 * Verifies the Authorization header, when one is sent, and puts the caller on `res.locals.identity` (a console
 * session is read by `staffSessions().read`). Reads headers only, never the body. A right token is always
 * accepted: the comparison comes first, so failures from the same address (a neighbour behind one NAT, or a
 * forged X-Forwarded-For) cannot lock it out. A wrong or malformed one is counted against the address's
 * failure budget; past that budget it is answered 429 instead of 401. Routes then decide with `requireRole`.
 */
export function authenticate(credentials: readonly Credential[], guard: AuthFailureGuard, failureWindowMs: number): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) {
      const session = res.locals.session as StaffSession | undefined;
      if (session) res.locals.identity = { principal: session.principal, role: 'staff', by: 'session' } satisfies Identity;
      return next();
    }
    const token = bearerToken(header);
    const match = token ? credentialFor(credentials, token) : undefined;
    if (match) {
      res.locals.identity = { principal: match.principal, role: match.role, by: 'bearer' } satisfies Identity;
      return next();
    }
    const failure = await guard.recordFailure(clientAddress(req));
    setFailureHeaders(res, failure, failureWindowMs);
    if (failure.overBudget) throw tooManyFailures(failure.resetSeconds);
    res.locals.authFailure = token ? 'the bearer token is not valid' : 'the Authorization header must be "Bearer <token>"';
    next();
  };
}


// ---------------------------------------------------------------------------------------------------------

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RoleOptions {
  /**
   * The route is a POST that changes nothing (the codec): a console cookie is accepted without the
   * X-Hotpath-Console header, as the Temporal Web UI cannot be told to send it.
   */
  changesNothing?: boolean;
}

/**
 * Requires a bearer token of one of `roles`, or a staff console session (cookie, read by `staffSessions().read`)
 * when `roles` includes staff. A state-changing request authenticated by the cookie alone must also carry
 * `X-Hotpath-Console: 1`. The principal is put on `res.locals.principal`.
 */
export function requireRole(credentials: readonly Credential[], ...roles: Role[]): RequestHandler {
  return requireRoleWith({}, credentials, ...roles);
}

export function requireRoleWith(options: RoleOptions, credentials: readonly Credential[], ...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    const session = res.locals.session as StaffSession | undefined;
    const identity = res.locals.identity as Identity | undefined;
    if (header && identity?.by === 'bearer') {
      if (!roles.includes(identity.role)) throw new Problem(403, 'Forbidden', `this action needs the ${roles.join(' or ')} role`);
      res.locals.principal = identity.principal;
      res.locals.role = identity.role;
      res.locals.authenticatedBy = 'bearer';
      return next();
    }
    if (header && typeof res.locals.authFailure === 'string') throw new Problem(401, 'Unauthorized', res.locals.authFailure);
    if (!header && session) {
      if (!roles.includes('staff')) throw new Problem(403, 'Forbidden', `this action needs the ${roles.join(' or ')} role`);
      if (!options.changesNothing && STATE_CHANGING.has(req.method) && req.get(CONSOLE_HEADER) !== '1') {
        throw new Problem(403, 'Forbidden', 'a request signed in by the console cookie must send the header X-Hotpath-Console: 1');
      }
      res.locals.principal = session.principal;
      res.locals.role = 'staff';
      res.locals.authenticatedBy = 'session';
      return next();
    }
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw new Problem(401, 'Unauthorized', 'send a bearer token in the Authorization header (staff: or sign in at /console)');
    const match = credentialFor(credentials, token);
    if (!match) throw new Problem(401, 'Unauthorized', 'the bearer token is not valid');
    if (!roles.includes(match.role)) throw new Problem(403, 'Forbidden', `this action needs the ${roles.join(' or ')} role`);
    res.locals.principal = match.principal;
    res.locals.role = match.role;
    res.locals.authenticatedBy = 'bearer';
    next();
  };
}
