import type { Role } from '../../lib/credentials';

/** Who asks about an order: staff see every order, a checkout credential only the orders it placed. */
export interface Viewer {
  principal: string;
  role: Role;
}

/**
 * Orders placed before owners were recorded have no owner in their row; they belong to the legacy owner
 * (LEGACY_ORDER_OWNER, by default the first checkout credential).
 */
export const ownerOf = (owner: string | null, legacyOwner: string | undefined): string | null => owner ?? legacyOwner ?? null;

export const mayAccess = (viewer: Viewer, owner: string | null, legacyOwner: string | undefined): boolean =>
  viewer.role === 'staff' || ownerOf(owner, legacyOwner) === viewer.principal;

/**
 * The scope an owner's Idempotency-Keys live in, which the order id is derived from. The legacy owner keeps
 * the unscoped derivation, so a key it sent before keys were scoped still names the same order.
 */
export const keyScope = (owner: string | undefined, legacyOwner: string | undefined): string | undefined =>
  owner === undefined || owner === legacyOwner ? undefined : owner;
