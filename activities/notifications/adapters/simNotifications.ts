import { ApplicationFailure } from '@temporalio/common';
import { unexpected, type VendorClient } from '../../vendorClient';
import { NotificationsUnavailable, type CustomerMessage, type NotificationsPort, type SendOutcome } from '../port';

/**
 * The notifications simulator's dialect (POST /messages with an Idempotency-Key): the simulator keeps the first
 * answer per key, so a retry gets the first message's id back. Its answers are the ones the saga always had:
 * an unexpected answer is a VendorContractViolation, as before the port.
 */
export function simNotifications(client: VendorClient): NotificationsPort {
  return {
    async send(message: CustomerMessage): Promise<SendOutcome> {
      let res;
      try {
        res = await client.post<{ id: string }>('/messages', { reference: message.orderId, to: message.to, template: message.template, data: message.data }, message.key);
      } catch (err) {
        if (err instanceof ApplicationFailure && err.type === 'VendorUnavailable') throw new NotificationsUnavailable(err.message);
        throw err;
      }
      // A repeat of a key gets the first answer again (the same id): the simulator never sends twice, and does not say it replayed.
      if (res.status === 201 || res.status === 200) return { status: 'sent', messageId: res.body.id };
      throw unexpected('notifications', res);
    },
  };
}
