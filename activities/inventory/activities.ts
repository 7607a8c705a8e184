import { ApplicationFailure } from '@temporalio/activity';
import { BUSINESS_FAILURES } from '../../workflows/order/policy';
import type { Address, Hold, OrderLine } from '../../workflows/order/types';
import type { ActivityDeps } from '../deps';
import { OutOfStock, release, reserve } from './reservations';

export function inventoryActivities({ db, allocation }: ActivityDeps) {
  return {
    async reserveInventory(input: { orderId: string; lines: OrderLine[]; shipTo: Address; holdTtlMs: number }): Promise<Hold> {
      try {
        return await reserve(db, { ...input, policy: allocation });
      } catch (err) {
        if (err instanceof OutOfStock) throw ApplicationFailure.nonRetryable(`out of stock: ${err.message}`, BUSINESS_FAILURES.outOfStock);
        throw err;
      }
    },

    async releaseHold(input: { orderId: string }): Promise<{ releasedUnits: number }> {
      return { releasedUnits: await release(db, input.orderId, 'saga compensation') };
    },
  };
}
