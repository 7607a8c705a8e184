/**
 * A shipment's life, extending the statuses the first saga type wrote: `cancelled` is the end of a shipment
 * that was given up (units back, label and WMS task cancelled, its share never kept); `label_cancelled` and
 * `wms_cancelled` are steps on the way there.
 */
export const SHIPMENT_STATUSES = ['allocated', 'labelled', 'handed_off', 'shipped', 'wms_cancelled', 'label_cancelled', 'cancelled'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/**
 * A shipment's life inside the saga as a table: for every status and every event the saga learns, the status that
 * follows, or why the pair cannot happen. Pure; the saga's shipment handle (workflows/order/shipment.ts) moves
 * only through it, and test/workflow/shipmentLifecycle.test.ts enumerates it, so a new status or event cannot be
 * added without deciding each pair. (Postgres keeps its own forward-only rule for the same statuses:
 * db/shipmentStatuses.ts.)
 */
export const SHIPMENT_EVENTS = [
  /** The carrier made its label. */
  'label_created',
  /** The WMS accepted the task. */
  'handed_off',
  /** The WMS reported the parcel shipped (its callback, or a refusal that said already_shipped). */
  'shipped_reported',
  /** The WMS confirmed it cancelled the task. */
  'cancel_confirmed',
  /** The shipment's undo log ran (WMS task, label) and its units went back. */
  'units_released',
] as const;
export type ShipmentEvent = (typeof SHIPMENT_EVENTS)[number];

export type Transition = { to: ShipmentStatus; why?: string } | { impossible: string };

const stays = (status: ShipmentStatus, why: string): Transition => ({ to: status, why });
const never = (why: string): Transition => ({ impossible: why });

const BEFORE_HANDOFF = 'the warehouse is asked to cancel only a task it accepted';
const ONE_LABEL = 'a shipment gets one label: the step runs once, its retries are the same call';
const ONE_TASK = 'a shipment gets one WMS task: the handoff runs once, its retries are the same call';
const SAGA_NEVER_HOLDS = 'the saga never holds label_cancelled (Postgres writes it on the way to cancelled)';

export const SHIPMENT_LIFECYCLE: { readonly [S in ShipmentStatus]: { readonly [E in ShipmentEvent]: Transition } } = {
  allocated: {
    label_created: { to: 'labelled' },
    handed_off: never('a handoff carries the tracking number: the label comes first'),
    shipped_reported: stays('allocated', 'kept until the saga knows the handoff, then applied'),
    cancel_confirmed: never(BEFORE_HANDOFF),
    units_released: { to: 'cancelled' },
  },
  labelled: {
    label_created: never(ONE_LABEL),
    handed_off: { to: 'handed_off' },
    shipped_reported: stays('labelled', 'kept until the saga knows the handoff, then applied'),
    cancel_confirmed: never(BEFORE_HANDOFF),
    units_released: { to: 'cancelled', why: 'after its label was cancelled' },
  },
  handed_off: {
    label_created: never(ONE_LABEL),
    handed_off: never(ONE_TASK),
    shipped_reported: { to: 'shipped' },
    cancel_confirmed: { to: 'wms_cancelled' },
    units_released: { to: 'cancelled', why: 'after its undo log cancelled the WMS task' },
  },
  shipped: {
    label_created: never(ONE_LABEL),
    handed_off: never(ONE_TASK),
    shipped_reported: stays('shipped', 'a repeated callback changes nothing'),
    cancel_confirmed: never('a warehouse cannot cancel a task that shipped'),
    units_released: never('a parcel that shipped is never given up: it is paid for and recorded'),
  },
  wms_cancelled: {
    label_created: never(ONE_LABEL),
    handed_off: never(ONE_TASK),
    shipped_reported: never('the warehouse confirmed the cancellation: the task does not ship'),
    cancel_confirmed: stays('wms_cancelled', 'asked again under the same key, the same answer'),
    units_released: { to: 'cancelled' },
  },
  label_cancelled: {
    label_created: never(SAGA_NEVER_HOLDS),
    handed_off: never(SAGA_NEVER_HOLDS),
    shipped_reported: never(SAGA_NEVER_HOLDS),
    cancel_confirmed: never(SAGA_NEVER_HOLDS),
    units_released: never(SAGA_NEVER_HOLDS),
  },
  cancelled: {
    label_created: never('a cancelled shipment takes no further step'),
    handed_off: never('a cancelled shipment takes no further step'),
    shipped_reported: never('its task was cancelled before its units went back'),
    cancel_confirmed: never('its task was cancelled before its units went back: it is not asked again'),
    units_released: never('its units went back once'),
  },
};

/** The status after `event`, or undefined when the pair cannot happen (the status is then kept). */
export function shipmentAfter(status: ShipmentStatus, event: ShipmentEvent): ShipmentStatus | undefined {
  const transition = SHIPMENT_LIFECYCLE[status][event];
  return 'to' in transition ? transition.to : undefined;
}
