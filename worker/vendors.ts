/**
 * The one place the vendor ports get their adapters, by setting: CARRIER_PROVIDER, WMS_PROVIDER, ERP_PROVIDER,
 * NOTIFICATIONS_PROVIDER (and PAYMENT_PROVIDER in createWorker.ts). lib/config.ts refuses an unknown value at
 * start-up, naming the choices. Adding a real vendor is one adapter file in its context's adapters/ folder, one
 * more value in lib/config.ts, and one more case here.
 */
import { simErp } from '../activities/erp';
import type { ErpPort } from '../activities/erp/contract';
import { simNotifications, smtpNotifications } from '../activities/notifications';
import type { NotificationsPort } from '../activities/notifications/contract';
import { simCarrier, simWms } from '../activities/shipment';
import type { CarrierPort, WmsPort } from '../activities/shipment/contract';
import { VendorClient } from '../activities/vendorClient';
import type { Database } from '../db/client';
import { notificationsProvider, type Config } from '../lib/config';

const simulatorClient = (config: Config, system: string, url: string) => new VendorClient(system, url, config.VENDOR_TIMEOUT_MS);

export function carrierPort(config: Config): CarrierPort {
  switch (config.CARRIER_PROVIDER) {
    case 'simulator':
      return simCarrier(simulatorClient(config, 'carrier', config.CARRIER_URL));
  }
}

export function wmsPort(config: Config): WmsPort {
  switch (config.WMS_PROVIDER) {
    case 'simulator':
      return simWms(simulatorClient(config, 'wms', config.WMS_URL));
  }
}

export function erpPort(config: Config): ErpPort {
  switch (config.ERP_PROVIDER) {
    case 'simulator':
      return simErp(simulatorClient(config, 'erp', config.ERP_URL));
  }
}

/** SMTP when SMTP_URL is set (unless NOTIFICATIONS_PROVIDER=simulator), the notifications simulator otherwise. */
export function notificationsPort(config: Config, db: Database): NotificationsPort {
  switch (notificationsProvider(config)) {
    case 'smtp':
      return smtpNotifications({ url: config.SMTP_URL!, from: config.MAIL_FROM, db, timeoutMs: config.VENDOR_TIMEOUT_MS });
    case 'simulator':
      return simNotifications(simulatorClient(config, 'notifications', config.NOTIFICATIONS_URL));
  }
}

/** Every vendor port of a worker's activities (payment aside: createWorker.ts's paymentGateway). */
export function vendorPorts(config: Config, db: Database) {
  return { carrier: carrierPort(config), wms: wmsPort(config), erp: erpPort(config), notifications: notificationsPort(config, db) };
}
