import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { Problem } from './problem';

export type Role = 'checkout' | 'staff';

export interface Credential {
  principal: string;
  role: Role;
  token: string;
}

/** Parses `name:token,name:token` into credentials of one role. */
export function parseCredentials(raw: string | undefined, role: Role): Credential[] {
  return (raw ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      if (at <= 0 || at === pair.length - 1) throw new Error(`a ${role} credential must look like name:token`);
      return { principal: pair.slice(0, at), role, token: pair.slice(at + 1) };
    });
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare equal-length buffers in constant time; the length check leaks only the length.
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Requires a bearer token of one of `roles`; the matching principal is put on `res.locals.principal`. */
export function requireRole(credentials: readonly Credential[], ...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!token) throw new Problem(401, 'Unauthorized', 'send a bearer token in the Authorization header');
    const match = credentials.find((c) => sameSecret(c.token, token));
    if (!match) throw new Problem(401, 'Unauthorized', 'the bearer token is not valid');
    if (!roles.includes(match.role)) throw new Problem(403, 'Forbidden', `this action needs the ${roles.join(' or ')} role`);
    res.locals.principal = match.principal;
    res.locals.role = match.role;
    next();
  };
}
