import { count, eq, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { deploymentFacts, orders } from '../schema';

const FACT = 'legacy_order_owner';

/**
 * Whose orders keep the Idempotency-Key derivation from before keys were scoped (the legacy owner), settled once
 * per database and recorded: every process after the first reads the record, and a setting that disagrees with it
 * is refused. The id of an order is derived from its key and its owner's scope, and the legacy owner has none: if
 * the legacy owner changed (a reordered CHECKOUT_TOKENS used to do it, when the first name was the default), that
 * client's retried requests would derive new order ids and place second orders.
 *
 * First start on a database: LEGACY_ORDER_OWNER is recorded when set; unset, an empty database records "nobody"
 * (every owner's keys are scoped), and a database that already holds orders refuses to start, with how to say whose
 * they are.
 */
export async function settleLegacyOrderOwner(db: Database, configured: string | undefined, checkoutNames: readonly string[]): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    // The API, the workers and the dispatcher start together: one of them records, the others read.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${FACT}))`);
    const [recorded] = await tx.select({ value: deploymentFacts.value }).from(deploymentFacts).where(eq(deploymentFacts.key, FACT));
    if (recorded) {
      if (configured !== undefined && configured !== recorded.value) {
        throw new Error(
          `LEGACY_ORDER_OWNER=${configured}, but this database recorded ${recorded.value === null ? 'no legacy owner' : `"${recorded.value}"`} as the owner of the orders from before keys were scoped. ` +
            `Changing it would give that client's earlier Idempotency-Keys new order ids, and a retried request a second order: unset LEGACY_ORDER_OWNER${recorded.value === null ? '' : ` or set it to ${recorded.value}`}.`,
        );
      }
      return recorded.value ?? undefined;
    }
    if (configured === undefined) {
      const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(orders);
      if (n > 0) {
        throw new Error(
          `this database holds ${n} orders from before Hotpath recorded whose keys are unscoped: set LEGACY_ORDER_OWNER to the checkout credential that placed the oldest of them ` +
            `(until now it defaulted to the first name in CHECKOUT_TOKENS${checkoutNames[0] ? `, "${checkoutNames[0]}"` : ''}), so their Idempotency-Keys keep naming the same orders. It is recorded once; the setting may be removed afterwards.`,
        );
      }
    }
    await tx.insert(deploymentFacts).values({ key: FACT, value: configured ?? null });
    return configured;
  });
}
