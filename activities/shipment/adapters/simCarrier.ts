import type { VendorClient } from '../../vendorClient';
import { refused, simCall } from '../../vendorErrors';
import type { CancelLabelOutcome, CancelLabelRequest, CarrierPort, LabelOutcome, LabelRequest, ReturnLabelOutcome, ReturnLabelRequest } from '../carrierPort';

/** The carrier simulator's dialect: POST /labels and /labels/cancel with an Idempotency-Key (a repeat answers the first label). */
export function simCarrier(client: VendorClient): CarrierPort {
  return {
    async createLabel(request: LabelRequest): Promise<LabelOutcome> {
      const res = await simCall(() =>
        client.post<{ id: string; trackingNumber: string }>(
          '/labels',
          { reference: request.orderId, shipmentId: request.shipmentId, warehouse: request.warehouse, shipTo: request.shipTo, parcels: request.parcels },
          request.key,
        ),
      );
      if (res.status === 422) return { outcome: 'address_rejected', message: res.body.error?.message ?? '', code: res.body.error?.code };
      if (res.status !== 201 && res.status !== 200) throw refused('carrier', res);
      return { outcome: 'created', labelId: res.body.id, trackingNumber: res.body.trackingNumber };
    },

    async createReturnLabel(request: ReturnLabelRequest): Promise<ReturnLabelOutcome> {
      const res = await simCall(() =>
        client.post<{ id: string; trackingNumber: string }>(
          '/return-labels',
          { reference: request.orderId, returnId: request.returnId, warehouse: request.warehouse, shipFrom: request.shipFrom, parcels: request.parcels },
          request.key,
        ),
      );
      if (res.status === 422) return { outcome: 'address_rejected', message: res.body.error?.message ?? '', code: res.body.error?.code };
      if (res.status !== 201 && res.status !== 200) throw refused('carrier', res);
      return { outcome: 'created', labelId: res.body.id, trackingNumber: res.body.trackingNumber };
    },

    async cancelLabel(request: CancelLabelRequest): Promise<CancelLabelOutcome> {
      const res = await simCall(() => client.post<{ status: string }>('/labels/cancel', { reference: request.orderId, labelKey: request.labelKey }, request.key));
      if (res.status !== 200) throw refused('carrier', res);
      return res.body.status === 'cancelled' ? { outcome: 'cancelled' } : { outcome: 'nothing_to_cancel', status: res.body.status };
    },
  };
}
