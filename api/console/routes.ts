import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { clientAddress, overHttps, staffCredentialFor, tooManyFailures, type StaffSession, type StaffSessions } from '../auth/auth';
import type { Credential } from '../../lib/credentials';
import type { AuthFailureGuard } from '../auth/failureGuard';
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

export const signInSchema = z.strictObject({ token: z.string('must be a staff token').trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters') });

/**
 * The support console: `GET /console` (a static page, no build step) and its sign-in,
 * `POST|GET|DELETE /console/session`, which trades a staff token for an HttpOnly session cookie.
 */
export function consoleRoutes(deps: { credentials: readonly Credential[]; sessions: StaffSessions; guard: AuthFailureGuard }): Router {
  const router = Router();
  router.use('/console', consoleHeaders);

  router.get('/console/session', (_req, res) => {
    const session = res.locals.session as StaffSession | undefined;
    if (!session) return sendProblem(res, new Problem(401, 'Unauthorized', 'not signed in'));
    res.set('cache-control', 'no-store').json({ principal: session.principal, role: 'staff', expiresAt: new Date(session.expiresAt).toISOString() });
  });

  // A JSON `{token}` (the page) or a form post `token=…`.
  // The body is parsed (and checked) by the app's requestBody, which accepts a form here only.
  router.post('/console/session', async (req, res) => {
    if (!req.is('application/json') && !req.is('application/x-www-form-urlencoded')) {
      throw new Problem(415, 'Unsupported media type', 'send {"token": "…"} as application/json or token=… as a form');
    }
    const body = signInSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidInput(body.error);
    // Sign-ins are rare: every one asks Postgres whether this address spent its failure budget on any replica.
    const address = clientAddress(req);
    const wait = deps.guard.blockedHere(address) ?? (await deps.guard.blockedAnywhere(address));
    if (wait !== undefined) throw tooManyFailures(wait);
    const credential = staffCredentialFor(deps.credentials, body.data.token);
    if (!credential) {
      const failure = await deps.guard.recordFailure(address);
      if (failure.overBudget) throw tooManyFailures(failure.retryAfterSeconds ?? 60);
      throw new Problem(401, 'Unauthorized', 'that is not a valid staff token');
    }
    const { value, session } = deps.sessions.sign(credential);
    res
      .status(200)
      .set('cache-control', 'no-store')
      .append('set-cookie', deps.sessions.setCookie(value, overHttps(req)))
      .json({ principal: session.principal, role: 'staff', expiresAt: new Date(session.expiresAt).toISOString() });
  });

  router.delete('/console/session', (req, res) => {
    res.set('cache-control', 'no-store').append('set-cookie', deps.sessions.clearCookie(overHttps(req))).status(204).end();
  });

  router.get('/console', (_req, res) => res.sendFile('index.html', { root: staticDir }));
  router.use('/console', express.static(staticDir, { index: false, redirect: false, dotfiles: 'ignore' }));
  return router;
}
