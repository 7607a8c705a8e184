import { ApplicationFailure } from '@temporalio/common';
import { appendOrderEvent } from '../../db/events';
import { stepKeys } from '../../workflows/order/contract';
import { returnStepKeys } from '../../workflows/returns/contract';
import type { ActivityDeps } from '../deps';
import { vendorWords } from '../vendorErrors';
import { NotificationsUnavailable, RecipientRejected } from './port';

export function notificationActivities({ db, notifications }: ActivityDeps) {
  async function send(key: string, message: { orderId: string; email: string; template: string; data: Record<string, unknown> & { trackingNumbers: string[] } }) {
    try {
      return await notifications.send({ key, orderId: message.orderId, to: message.email, template: message.template, data: { orderId: message.orderId, ...message.data } });
    } catch (err) {
      if (err instanceof NotificationsUnavailable) throw ApplicationFailure.retryable(err.message, 'VendorUnavailable', ...vendorWords(err.vendorMessage));
      if (err instanceof RecipientRejected) throw ApplicationFailure.nonRetryable(err.message, 'RecipientRejected', ...vendorWords(err.vendorMessage));
      throw err;
    }
  }

  return {
    /** A return's e-mail (returns context): its label's tracking numbers, or what was refunded, under the return's key. */
    async notifyReturnCustomer(input: { orderId: string; returnId: string; email: string; template: 'return_label' | 'return_refunded' | 'return_expired'; trackingNumbers: string[]; refundedCents?: number; currency?: string }): Promise<{ messageId: string }> {
      const key = returnStepKeys.notify(input.returnId, input.template);
      const outcome = await send(key, { orderId: input.orderId, email: input.email, template: input.template, data: { trackingNumbers: input.trackingNumbers, returnId: input.returnId, refundedCents: input.refundedCents, currency: input.currency } });
      await appendOrderEvent(db, { orderId: input.orderId, type: 'customer.notified', detail: { template: input.template, returnId: input.returnId, messageId: outcome.messageId }, dedupeKey: key });
      return { messageId: outcome.messageId };
    },

    async notifyCustomer(input: { orderId: string; email: string; template: string; trackingNumbers: string[] }): Promise<{ messageId: string }> {
      const key = stepKeys.notify(input.orderId, input.template);
      let outcome;
      try {
        outcome = await notifications.send({ key, orderId: input.orderId, to: input.email, template: input.template, data: { orderId: input.orderId, trackingNumbers: input.trackingNumbers } });
      } catch (err) {
        // The saga's failure types: a provider outage is a VendorUnavailable as for every vendor; a refused
        // recipient will not change with retries (the workflow notes it in the timeline and goes on).
        if (err instanceof NotificationsUnavailable) throw ApplicationFailure.retryable(err.message, 'VendorUnavailable', ...vendorWords(err.vendorMessage));
        if (err instanceof RecipientRejected) throw ApplicationFailure.nonRetryable(err.message, 'RecipientRejected', ...vendorWords(err.vendorMessage));
        throw err;
      }
      // Also after 'already_sent': the event may be what a crash lost after the send was recorded.
      await appendOrderEvent(db, { orderId: input.orderId, type: 'customer.notified', detail: { template: input.template, messageId: outcome.messageId }, dedupeKey: key });
      return { messageId: outcome.messageId };
    },
  };
}
