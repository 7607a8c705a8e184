/**
 * Who may call Hotpath: the checkout and staff credentials the settings name (`name:token,name:token`).
 * Read by the API (to authenticate) and by the worker (to deliver webhooks on its own API's behalf), so it
 * lives in lib/, not in either.
 */

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

/** The checkout credentials' names, in the order configured (what an error message can suggest). */
export const checkoutNames = (credentials: readonly Credential[]): string[] => credentials.filter((c) => c.role === 'checkout').map((c) => c.principal);
