import { SIGNATURE_HEADER, signPayload } from '../lib/shipment/wmsSignature';
import type { ExpectedReturn, Task } from './wms-records';

const CALLBACK_TIMEOUT_MS = 5_000;

/** Best effort, fire and forget: a failing receiver must never affect the simulator. Signed when a secret is set. */
export function announceShipped(callbackUrl: string | undefined, task: Task, secret = process.env.WMS_WEBHOOK_SECRET): void {
  announce(callbackUrl, secret, {
    event: 'task.shipped',
    taskId: task.id,
    reference: task.reference,
    shipmentId: task.shipmentId,
    trackingNumber: task.trackingNumber,
    shippedAt: task.shippedAt,
  });
}

/** The warehouse counted a return's parcel: per SKU the units and their condition, signed like `task.shipped`. */
export function announceReturnReceived(callbackUrl: string | undefined, expected: ExpectedReturn, secret = process.env.WMS_WEBHOOK_SECRET): void {
  announce(callbackUrl, secret, {
    event: 'return.received',
    returnId: expected.returnId,
    reference: expected.reference,
    lines: expected.received ?? [],
    receivedAt: expected.receivedAt,
  });
}

function announce(callbackUrl: string | undefined, secret: string | undefined, event: Record<string, unknown>): void {
  if (!callbackUrl) return;
  const body = JSON.stringify(event);
  fetch(callbackUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { [SIGNATURE_HEADER]: signPayload(secret, body) } : {}) },
    body,
    signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
  }).catch(() => undefined);
}
