import type { VendorClient } from '../../vendorClient';
import { refused, simCall } from '../../vendorErrors';
import type { CreditRequest, ErpPort, ErpRecord, ErpSnapshot, ErpStockRow, RecordOrderRequest } from '../port';

interface ErpOrderBody {
  id: string;
  shipments: { shipmentId?: string }[];
}

/**
 * The ERP simulator's dialect: POST /orders and /credits with an Idempotency-Key, GET /orders, /credits, /stock and
 * /stock/snapshot. A second record of an order is a 409 `already_recorded` carrying the first record's id (likewise
 * `already_credited`): for the port that is the record, not a failure.
 */
export function simErp(client: VendorClient): ErpPort {
  const get = async <T>(path: string): Promise<T> => {
    const res = await simCall(() => client.get<T>(path));
    if (res.status !== 200) throw refused('erp', res);
    return res.body;
  };
  return {
    async recordOrder(request: RecordOrderRequest) {
      const { key, orderId, ...rest } = request;
      const res = await simCall(() => client.post<{ id: string }>('/orders', { reference: orderId, ...rest }, key));
      const erpOrderId = res.status === 409 && res.body.error?.code === 'already_recorded' ? (res.body as { id?: string }).id : res.body.id;
      if (!erpOrderId || (res.status >= 400 && res.status !== 409)) throw refused('erp', res);
      return { outcome: res.status === 409 ? 'already_recorded' : 'recorded', erpOrderId };
    },

    async findRecord(orderId: string): Promise<ErpRecord | null> {
      const found = await get<{ orders: ErpOrderBody[] }>(`/orders?reference=${encodeURIComponent(orderId)}`);
      const [record] = found.orders;
      if (!record) return null;
      const credits = await get<{ credits: { shipmentId: string; returnId?: string }[] }>(`/credits?reference=${encodeURIComponent(orderId)}`);
      const shipmentIds = record.shipments.map((s) => s.shipmentId).filter((id): id is string => id !== undefined);
      // A return's credit reverses returned units, not the shipment: the saga's question is about cancellation credits.
      return { erpOrderId: record.id, shipmentIds, creditedShipmentIds: credits.credits.filter((c) => !c.returnId).map((c) => c.shipmentId) };
    },

    async creditShipment(request: CreditRequest) {
      const { key, orderId, ...rest } = request;
      const res = await simCall(() => client.post<{ id: string }>('/credits', { reference: orderId, ...rest }, key));
      const creditId = res.status === 409 && res.body.error?.code === 'already_credited' ? (res.body as { id?: string }).id : res.body.id;
      if (!creditId || (res.status >= 400 && res.status !== 409)) throw refused('erp', res);
      return { outcome: res.status === 409 ? 'already_credited' : 'credited', creditId };
    },

    async stock(sku?: string): Promise<ErpStockRow[]> {
      return (await get<{ stock: ErpStockRow[] }>(sku ? `/stock?sku=${encodeURIComponent(sku)}` : '/stock')).stock;
    },

    stockSnapshot(recordedSince: Date): Promise<ErpSnapshot> {
      return get<ErpSnapshot>(`/stock/snapshot?recordedSince=${encodeURIComponent(recordedSince.toISOString())}`);
    },
  };
}
