import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import { Problem } from '../problem';
import type { Credential } from '../../lib/credentials';
import type { SessionRevocations } from './sessionRevocations';

// Console sessions: a signed cookie standing in for a staff bearer token in a browser.

export const SESSION_COOKIE = 'hotpath_session';
/** How long a console sign-in lasts: one shift. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

export interface StaffSession {
  /** Random, per sign-in: what a sign-out revokes. */
  id: string;
  principal: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * Stateless staff sessions: the cookie holds `base64url({p: principal, k: token fingerprint, s: session id, exp})`
 * and its HMAC-SHA256 under `secret`. The fingerprint ties a session to the token it was opened with, so rotating
 * or removing a staff token ends that person's sessions; it is an HMAC under a key derived from the secret, not a
 * hash anyone can compute from a guessed token (the cookie's payload is readable by whoever holds the cookie). A
 * sign-out revokes the session's id in `revocations`, so the cookie is dead even if a copy of it survives.
 * Without a configured secret, a random one per process is used (sessions then end when the API restarts, and
 * several API replicas need the same SESSION_SECRET).
 */
export function staffSessions(credentials: readonly Credential[], secret?: string, revocations?: SessionRevocations) {
  const key = secret ? Buffer.from(secret) : randomBytes(32);
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  // Its own key (domain-separated from the cookie's MAC), so a fingerprint never doubles as a signature.
  const fingerprintKey = createHmac('sha256', key).update('hotpath console session: token fingerprint').digest();
  const fingerprint = (token: string) => createHmac('sha256', fingerprintKey).update(token).digest('base64url').slice(0, 22);

  const sign = (credential: Credential, now = Date.now()) => {
    const exp = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
    const id = randomBytes(16).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ p: credential.principal, k: fingerprint(credential.token), s: id, exp })).toString('base64url');
    return { value: `${payload}.${mac(payload).toString('base64url')}`, session: { id, principal: credential.principal, expiresAt: exp * 1000 } satisfies StaffSession };
  };

  /** The session a cookie value holds, if its signature, expiry and token still hold (revocation is checked by `read`). */
  const verify = (value: string, now = Date.now()): StaffSession | undefined => {
    const dot = value.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const payload = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: { p?: unknown; k?: unknown; s?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof claims.p !== 'string' || typeof claims.k !== 'string' || typeof claims.s !== 'string' || typeof claims.exp !== 'number') return undefined;
    if (claims.exp * 1000 <= now) return undefined;
    // The principal must still hold a staff credential, and the very token the session was opened with.
    const holder = credentials.find((c) => c.role === 'staff' && c.principal === claims.p && fingerprint(c.token) === claims.k);
    return holder ? { id: claims.s, principal: holder.principal, expiresAt: claims.exp * 1000 } : undefined;
  };

  /** Set-Cookie attributes: HttpOnly, SameSite=Lax, Path=/; Secure when the request came over HTTPS. */
  const cookieOptions = (secure: boolean) => ({ httpOnly: true, sameSite: 'lax' as const, path: '/', secure });

  return {
    sign,
    verify,
    /** Ends a session on every replica (sign-out); its cookie is refused from then on. */
    revoke: async (session: StaffSession) => {
      await revocations?.revoke(session.id, session.expiresAt);
    },
    setCookie: (value: string, secure: boolean) => serializeCookie(SESSION_COOKIE, value, { ...cookieOptions(secure), maxAge: SESSION_TTL_SECONDS }),
    clearCookie: (secure: boolean) => serializeCookie(SESSION_COOKIE, '', { ...cookieOptions(secure), maxAge: 0, expires: new Date(0) }),
    /** Reads the session cookie of every request; a valid, unrevoked one is put on `res.locals.session` for requireRole. */
    read: (async (req, res, next) => {
      const header = req.headers.cookie;
      const value = header ? parseCookies(header)[SESSION_COOKIE] : undefined;
      // The signature first: only a cookie this API signed costs a look-up.
      const session = value ? verify(value) : undefined;
      if (session) {
        const revoked = await revocations?.isRevoked(session.id).catch(() => {
          throw new Problem(503, 'Cannot check the session', 'the session could not be checked just now (the database did not answer); try again', { retryAfterSeconds: 5 });
        });
        if (!revoked) res.locals.session = session;
      }
      next();
    }) as RequestHandler,
  };
}

export type StaffSessions = ReturnType<typeof staffSessions>;
