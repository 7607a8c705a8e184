import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { clientAddress, overHttps, staffCredentialFor, tooManyFailures } from '../auth/auth';
import type { StaffSession, StaffSessions } from '../auth/sessions';
import type { Credential } from '../../lib/credentials';
import { setFailureHeaders, type AuthFailureGuard } from '../limits/failureGuard';
import { SIGN_IN_BODY, jsonBody } from '../input/requestBody';
import { Problem, invalidInput, sendProblem } from '../problem';

const staticDir = fileURLToPath(new URL('./static/', import.meta.url));

/** The page, its script and its stylesheet come from this origin only; nothing inline, no frames, no plugins. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const consoleHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-cache',
  });
  next();
};

/** Refuses a request the browser marks as coming from another site (older browsers send no Sec-Fetch-Site). */
const sameSiteOnly: RequestHandler = (req, _res, next) => {
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new Problem(403, 'Forbidden', `sign in from the console's own page, not from another site (Sec-Fetch-Site: ${site})`);
  next();
};

export const signInSchema = z.strictObject({ token: z.string('must be a staff token').trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters') });

/**
 * The support console: `GET /console` (a static page, no build step) and its sign-in,
 * `POST|GET|DELETE /console/session`, which trades a staff token for an HttpOnly session cookie (DELETE revokes it).
 */
export function consoleRoutes(deps: { credentials: readonly Credential[]; sessions: StaffSessions; guard: AuthFailureGuard; failureWindowMs: number }): Router {
  const router = Router();
  router.use('/console', consoleHeaders);

  router.get('/console/session', (_req, res) => {
    const session = res.locals.session as StaffSession | undefined;
    if (!session) return sendProblem(res, new Problem(401, 'Unauthorized', 'not signed in'));
    res.set('cache-control', 'no-store').json({ principal: session.principal, role: 'staff', expiresAt: new Date(session.expiresAt).toISOString() });
  });

  // A JSON `{token}`, as the page sends it, and nothing else: a page on another site can send a form or
  // text/plain without asking, but not application/json (that needs a CORS preflight, never granted here), so
  // it can neither sign a visitor in nor spend the visitor's address's failure budget. A browser that says the
  // request is cross-site (Sec-Fetch-Site) is refused before anything is read.
  router.post('/console/session', sameSiteOnly, jsonBody(SIGN_IN_BODY), async (req, res) => {
    const body = signInSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidInput(body.error);
    // The token is compared first: a right one is never refused because of failures from the same address.
    const credential = staffCredentialFor(deps.credentials, body.data.token);
    if (!credential) {
      const failure = await deps.guard.recordFailure(clientAddress(req));
      setFailureHeaders(res, failure, deps.failureWindowMs);
      if (failure.overBudget) throw tooManyFailures(failure.resetSeconds);
      throw new Problem(401, 'Unauthorized', 'that is not a valid staff token');
    }
    const { value, session } = deps.sessions.sign(credential);
    res
      .status(200)
      .set('cache-control', 'no-store')
      .append('set-cookie', deps.sessions.setCookie(value, overHttps(req)))
      .json({ principal: session.principal, role: 'staff', expiresAt: new Date(session.expiresAt).toISOString() });
  });

  // Sign-out ends the session on the server too: a copy of the cookie (a shared machine, a stolen one) is dead at once.
  router.delete('/console/session', async (req, res) => {
    const session = res.locals.session as StaffSession | undefined;
    if (session) await deps.sessions.revoke(session);
    res.set('cache-control', 'no-store').append('set-cookie', deps.sessions.clearCookie(overHttps(req))).status(204).end();
  });

  router.get('/console', (_req, res) => res.sendFile('index.html', { root: staticDir }));
  router.use('/console', express.static(staticDir, { index: false, redirect: false, dotfiles: 'ignore' }));
  return router;
}
