import { simNotifications, smtpNotifications } from '../activities/notifications';
import type { NotificationsPort } from '../activities/notifications/contract';
import { VendorClient } from '../activities/vendorClient';
import type { Database } from '../db/client';
import { notificationsProvider, type Config } from '../lib/config';

/**
 * The notifications port's adapter for NOTIFICATIONS_PROVIDER. Another mail service is one adapter file
 * (activities/notifications/adapters/) and one more value here and in lib/config.ts.
 */
export function notificationsPort(config: Config, db: Database): NotificationsPort {
  switch (notificationsProvider(config)) {
    case 'smtp':
      return smtpNotifications({ url: config.SMTP_URL!, from: config.MAIL_FROM, db, timeoutMs: config.VENDOR_TIMEOUT_MS });
    case 'simulator':
      return simNotifications(new VendorClient('notifications', config.NOTIFICATIONS_URL, config.VENDOR_TIMEOUT_MS));
  }
}
