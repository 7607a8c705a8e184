import type { Database } from '../db/client';
import type { AllocationPolicy } from './inventory/contract';
import type { NotificationsPort } from './notifications/contract';
import type { PaymentGateway } from './payment/contract';
import type { CarrierPort, WmsPort } from './shipment/contract';
import type { ErpPort } from './erp/contract';

export interface ActivityDeps {
  db: Database;
  /** The payment port (Stripe's adapter in production and against the simulator). */
  payments: PaymentGateway;
  /** The notifications port (SMTP, or the notifications simulator): see worker/vendors.ts. */
  notifications: NotificationsPort;
  /** The vendor ports, each with the adapter its *_PROVIDER setting chose (worker/vendors.ts). */
  carrier: CarrierPort;
  wms: WmsPort;
  erp: ErpPort;
  allocation: AllocationPolicy;
}
