import { Router, type Request } from 'express';
import { z } from 'zod';
import { isoAt, notFound, ok, parseInput, pathParam, VendorError, type VendorResult } from './http';
import { newId, newTrackingNumber } from './ids';
import { addressSchema, type Address, type Label } from './carrier-records';
import { lineItemSchema, nonEmpty } from './schemas';
import type { SimState } from './state';
import { vendorRoutes } from './vendor-route';

const createLabelSchema = z.object({
  reference: nonEmpty,
  shipmentId: nonEmpty,
  warehouse: nonEmpty,
  shipTo: addressSchema,
  parcels: z.array(lineItemSchema).min(1),
});

/** A return label: the customer (`shipFrom`) sends the parcel back to the warehouse it left. */
const createReturnLabelSchema = z.object({
  reference: nonEmpty,
  returnId: nonEmpty,
  warehouse: nonEmpty,
  shipFrom: addressSchema,
  parcels: z.array(lineItemSchema).min(1),
});

const cancelLabelSchema = z.object({ reference: nonEmpty, labelKey: nonEmpty });

function addressProblem(address: Address): string | undefined {
  const postalCode = address.postalCode.trim();
  if (postalCode === '' || postalCode === 'INVALID') return `Postal code "${address.postalCode}" is not deliverable`;
  if (!/^[A-Za-z]{2}$/.test(address.country)) return `Country "${address.country}" is not a 2-letter code`;
  return undefined;
}

export function carrierRouter(state: SimState): Router {
  const router = Router();
  const routes = vendorRoutes(state, 'carrier');
  const { labels } = state;

  const createLabel = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(createLabelSchema, req.body);
    if (labels.isTombstoned(idempotencyKey)) {
      throw new VendorError(409, 'label_cancelled', `Label ${idempotencyKey} was cancelled before it arrived`);
    }
    const problem = addressProblem(input.shipTo);
    if (problem) throw new VendorError(422, 'invalid_address', problem);
    const label = labels.add({
      type: 'label',
      id: newId('lbl'),
      reference: input.reference,
      idempotencyKey,
      createdAt: isoAt(state.now()),
      shipmentId: input.shipmentId,
      warehouse: input.warehouse,
      shipTo: input.shipTo,
      parcels: input.parcels,
      trackingNumber: newTrackingNumber(),
      carrier: 'SIMPOST',
      status: 'created',
      cancelledAt: null,
    });
    const { id, trackingNumber, carrier, status } = label;
    return ok(201, { id, trackingNumber, carrier, status });
  };

  // Addressed like an outbound label: cancelled by its Idempotency-Key through POST /labels/cancel.
  const createReturnLabel = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(createReturnLabelSchema, req.body);
    if (labels.isTombstoned(idempotencyKey)) {
      throw new VendorError(409, 'label_cancelled', `Label ${idempotencyKey} was cancelled before it arrived`);
    }
    const problem = addressProblem(input.shipFrom);
    if (problem) throw new VendorError(422, 'invalid_address', problem);
    const label = labels.add({
      type: 'label',
      kind: 'return',
      returnId: input.returnId,
      id: newId('lbl'),
      reference: input.reference,
      idempotencyKey,
      createdAt: isoAt(state.now()),
      shipmentId: input.returnId,
      warehouse: input.warehouse,
      shipTo: input.shipFrom,
      parcels: input.parcels,
      trackingNumber: newTrackingNumber(),
      carrier: 'SIMPOST',
      status: 'created',
      cancelledAt: null,
    });
    const { id, trackingNumber, carrier, status } = label;
    return ok(201, { id, trackingNumber, carrier, status, kind: 'return' });
  };

  // Addressed by the label's Idempotency-Key, like payment voids.
  const cancelLabel = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(cancelLabelSchema, req.body);
    const label = labels.byKey(input.labelKey);
    const now = isoAt(state.now());
    if (!label) {
      labels.tombstone({ key: input.labelKey, reference: input.reference, idempotencyKey, createdAt: now });
      return ok(200, { status: 'nothing_to_cancel' });
    }
    if (label.status === 'created') {
      label.status = 'cancelled';
      label.cancelledAt = now;
    }
    return ok(200, { status: 'cancelled', labelId: label.id });
  };

  const getLabel = (req: Request): VendorResult => {
    const id = pathParam(req, 'id');
    const label = labels.byId(id);
    if (!label) throw notFound('label', id);
    return ok(200, label);
  };

  router.post('/labels', routes.write(createLabel));
  router.post('/return-labels', routes.write(createReturnLabel));
  router.post('/labels/cancel', routes.write(cancelLabel));
  router.get('/labels/:id', routes.read(getLabel));
  return router;
}
