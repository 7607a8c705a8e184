import type { VendorClient } from '../../vendorClient';
import { refused, simCall } from '../../vendorErrors';
import type { CancelExpectedReturnOutcome, CancelExpectedReturnRequest, CancelTaskOutcome, CancelTaskRequest, ExpectReturnRequest, TaskRequest, WmsPort } from '../wmsPort';

/** The WMS simulator's dialect: POST /tasks and /tasks/cancel with an Idempotency-Key; a refusal is a 409 with its reason as the code. */
export function simWms(client: VendorClient): WmsPort {
  return {
    async createTask(request: TaskRequest): Promise<{ taskId: string }> {
      const res = await simCall(() =>
        client.post<{ id: string }>(
          '/tasks',
          { reference: request.orderId, shipmentId: request.shipmentId, warehouse: request.warehouse, trackingNumber: request.trackingNumber, lines: request.lines },
          request.key,
        ),
      );
      if (res.status !== 201 && res.status !== 200) throw refused('wms', res);
      return { taskId: res.body.id };
    },

    async cancelTask(request: CancelTaskRequest): Promise<CancelTaskOutcome> {
      const res = await simCall(() => client.post<{ status: string }>('/tasks/cancel', { reference: request.orderId, taskKey: request.taskKey }, request.key));
      if (res.status === 409) return { outcome: 'refused', reason: res.body.error?.code ?? 'refused' };
      if (res.status !== 200) throw refused('wms', res);
      return res.body.status === 'cancelled' ? { outcome: 'cancelled' } : { outcome: 'nothing_to_cancel', status: res.body.status };
    },

    async expectReturn(request: ExpectReturnRequest): Promise<{ expectationId: string }> {
      const res = await simCall(() => client.post<{ id: string }>('/returns', { reference: request.orderId, returnId: request.returnId, lines: request.lines }, request.key));
      if (res.status !== 201 && res.status !== 200) throw refused('wms', res);
      return { expectationId: res.body.id };
    },

    async cancelExpectedReturn(request: CancelExpectedReturnRequest): Promise<CancelExpectedReturnOutcome> {
      const res = await simCall(() => client.post<{ status: string }>('/returns/cancel', { reference: request.orderId, expectKey: request.expectKey }, request.key));
      if (res.status === 409) return { outcome: 'refused', reason: res.body.error?.code ?? 'refused' };
      if (res.status !== 200) throw refused('wms', res);
      return res.body.status === 'cancelled' ? { outcome: 'cancelled' } : { outcome: 'nothing_to_cancel', status: res.body.status };
    },
  };
}
