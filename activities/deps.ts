import type { Database } from '../db/client';
import type { AllocationPolicy } from './inventory/contract';
import type { NotificationsPort } from './notifications/contract';
import type { PaymentGateway } from './payment/contract';
import type { VendorClient } from './vendorClient';

export interface ActivityDeps {
  db: Database;
  /** The payment port (Stripe's adapter in production and against the simulator). */
  payments: PaymentGateway;
  /** The notifications port (SMTP, or the notifications simulator): see worker/vendors.ts. */
  notifications: NotificationsPort;
  vendors: {
    carrier: VendorClient;
    wms: VendorClient;
    erp: VendorClient;
  };
  allocation: AllocationPolicy;
}
