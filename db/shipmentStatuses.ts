import { inArray, type SQL } from 'drizzle-orm';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '../workflows/shipment/contract';
import { shipments } from './schema';

/**
 * The order of a shipment's statuses in Postgres: every write of `shipments.status` goes forward (or repeats), never
 * back. Steps are retried and may run late (a timed-out attempt still running, an answer lost and asked again), so a
 * writer states only where it moves the shipment to, and `mayBecome` keeps a shipment that is already past that
 * status (shipped, cancelled, or on its way to cancelled) as it is. `resolve` reads the column to refuse giving up an
 * order whose parcel shipped.
 *
 * The steps that may directly follow each status (docs/saga.md, "A shipment"), plus the ones a lost answer makes:
 * a label created by a call whose answer was lost is cancelled from `allocated`, a WMS task likewise from `labelled`,
 * and a shipment whose vendor had nothing to cancel is `cancelled` from wherever it was.
 */
const NEXT: Record<ShipmentStatus, readonly ShipmentStatus[]> = {
  allocated: ['labelled', 'label_cancelled', 'cancelled'],
  labelled: ['handed_off', 'wms_cancelled', 'label_cancelled', 'cancelled'],
  handed_off: ['shipped', 'wms_cancelled', 'cancelled'],
  shipped: [],
  wms_cancelled: ['label_cancelled', 'cancelled'],
  label_cancelled: ['cancelled'],
  cancelled: [],
};

/** The statuses reachable from each, by one step or more. */
const LATER: ReadonlyMap<ShipmentStatus, ReadonlySet<ShipmentStatus>> = new Map(
  SHIPMENT_STATUSES.map((from) => {
    const seen = new Set<ShipmentStatus>();
    const visit = (s: ShipmentStatus) => {
      for (const next of NEXT[s]) if (!seen.has(next)) (seen.add(next), visit(next));
    };
    visit(from);
    return [from, seen];
  }),
);

/** Whether a shipment that is `from` may be written `to`: a step forward, or the same status again (a retry). */
export function mayFollow(from: ShipmentStatus, to: ShipmentStatus): boolean {
  return from === to || (LATER.get(from)?.has(to) ?? false);
}

/** The statuses a shipment may be in for a writer to move it to `to` (`to` itself included). */
export function statusesBefore(to: ShipmentStatus): readonly ShipmentStatus[] {
  return SHIPMENT_STATUSES.filter((from) => mayFollow(from, to));
}

/**
 * The guard of every update that writes `status: to` to shipments: `.where(and(…, mayBecome(to)))`. A shipment
 * past `to` is not matched, so the update leaves it (and the columns written with the status) as it was; use
 * `.returning()` to learn whether it moved.
 */
export function mayBecome(to: ShipmentStatus): SQL {
  return inArray(shipments.status, [...statusesBefore(to)]);
}
