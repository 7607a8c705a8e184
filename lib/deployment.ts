/**
 * What a process refuses to start with: settings that would leave a door open. Checked by the API, the worker and
 * the dispatcher at start-up, before they serve anything. Development (`HOTPATH_ENV=development`, which `npm start`,
 * the tests, the walks, chaos and the bench set) relaxes only what a laptop needs: short, published tokens and no
 * payload keys. Everywhere else the defaults are production's.
 */
import type { Config } from './config';
import { parseCredentials, type Credential } from './credentials';

/** The shortest bearer token a production credential may have: 24 characters (about 140 bits of a random base64 token). */
export const MIN_TOKEN_LENGTH = 24;

/** Every reason the settings are unsafe to start with; empty when they are fine. */
export function deploymentProblems(config: Pick<Config, 'HOTPATH_ENV' | 'CHECKOUT_TOKENS' | 'STAFF_TOKENS' | 'PAYLOAD_KEYS' | 'ALLOW_PLAINTEXT_PAYLOADS'>): string[] {
  const problems: string[] = [];
  const credentials: Credential[] = [...parseCredentials(config.CHECKOUT_TOKENS, 'checkout'), ...parseCredentials(config.STAFF_TOKENS, 'staff')];

  // One name, two roles: the checkout token would pass the ownership checks of the staff's own things (their
  // webhook subscriptions), and who cancelled an order would not say which.
  const roles = new Map<string, Set<string>>();
  for (const c of credentials) roles.set(c.principal, (roles.get(c.principal) ?? new Set()).add(c.role));
  for (const [principal, of] of roles) {
    if (of.size > 1) problems.push(`the credential name "${principal}" is in both CHECKOUT_TOKENS and STAFF_TOKENS: give each role its own names`);
  }
  const seen = new Map<string, Credential>();
  for (const c of credentials) {
    const earlier = seen.get(c.token);
    if (earlier && (earlier.principal !== c.principal || earlier.role !== c.role)) {
      problems.push(`the token of ${c.role} credential "${c.principal}" is also the token of ${earlier.role} credential "${earlier.principal}": every credential needs a token of its own`);
    }
    seen.set(c.token, c);
  }

  if (config.HOTPATH_ENV === 'production') {
    for (const c of credentials) {
      if (c.token.length < MIN_TOKEN_LENGTH) {
        problems.push(`the token of ${c.role} credential "${c.principal}" has ${c.token.length} characters; production needs at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -base64 24)`);
      }
    }
    if (!config.PAYLOAD_KEYS && !config.ALLOW_PLAINTEXT_PAYLOADS) {
      problems.push(
        "PAYLOAD_KEYS is not set: customers' e-mail, address and payment token would reach Temporal's histories in clear. Set PAYLOAD_KEYS=id:base64(32 bytes) (docs/deploy.md), or ALLOW_PLAINTEXT_PAYLOADS=true to accept that",
      );
    }
  }
  return problems;
}

/** Throws, naming every problem, unless the settings are safe to start `what` with. */
export function assertDeployable(config: Parameters<typeof deploymentProblems>[0], what: string): void {
  const problems = deploymentProblems(config);
  if (problems.length === 0) return;
  throw new Error(`${what} refuses to start (HOTPATH_ENV=${config.HOTPATH_ENV}):\n  - ${problems.join('\n  - ')}`);
}
