import type { Database } from '../db/client';
import type { AllocationPolicy } from './inventory/allocation';
import type { VendorClient } from './vendorClient';

export interface ActivityDeps {
  db: Database;
  vendors: {
    payment: VendorClient;
    carrier: VendorClient;
    wms: VendorClient;
    erp: VendorClient;
    notifications: VendorClient;
  };
  allocation: AllocationPolicy;
}
