import { appendOrderEvent } from '../../db/events';
import { stepKeys } from '../../workflows/order/contract';
import type { ActivityDeps } from '../deps';
import { unexpected } from '../vendorClient';

export function notificationActivities({ db, vendors }: ActivityDeps) {
  return {
    async notifyCustomer(input: { orderId: string; email: string; template: string; trackingNumbers: string[] }): Promise<{ messageId: string }> {
      const key = stepKeys.notify(input.orderId, input.template);
      const res = await vendors.notifications.post<{ id: string }>(
        '/messages',
        { reference: input.orderId, to: input.email, template: input.template, data: { orderId: input.orderId, trackingNumbers: input.trackingNumbers } },
        key,
      );
      if (res.status !== 201 && res.status !== 200) throw unexpected('notifications', res);
      await appendOrderEvent(db, { orderId: input.orderId, type: 'customer.notified', detail: { template: input.template, messageId: res.body.id }, dedupeKey: key });
      return { messageId: res.body.id };
    },
  };
}
