import { ApplicationFailure } from '@temporalio/common';
import { appendOrderEvent } from '../../db/events';
import { stepKeys } from '../../workflows/order/contract';
import type { ActivityDeps } from '../deps';
import { vendorWords } from '../vendorErrors';
import { NotificationsUnavailable, RecipientRejected } from './port';

export function notificationActivities({ db, notifications }: ActivityDeps) {
  return {
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
