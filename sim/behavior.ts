import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { failure, outcome, send, type VendorResult } from './http';
import type { SystemName } from './systems';

export const behaviorSchema = z.strictObject({
  latencyMs: z.number().int().min(0),
  jitterMs: z.number().int().min(0),
  failureRate: z.number().min(0).max(1),
  outage: z.boolean(),
  lostResponseRate: z.number().min(0).max(1),
  hangMs: z.number().int().min(0),
  failNext: z.number().int().min(0),
});

export type Behavior = z.infer<typeof behaviorSchema>;

export const behaviorPatchSchema = behaviorSchema.partial().extend({
  scope: z.string().min(1).optional(),
});

export type BehaviorPatch = z.infer<typeof behaviorPatchSchema>;

export function quietBehavior(latencyMs = 0): Behavior {
  return {
    latencyMs,
    jitterMs: 0,
    failureRate: 0,
    outage: false,
    lostResponseRate: 0,
    hangMs: 0,
    failNext: 0,
  };
}

/**
 * The fault-injection rules of every system: one default rule per system plus
 * rules scoped to a single order reference, so concurrent tests can break
 * only their own order. A scoped rule replaces the default for that order and
 * starts from the baseline, not from whatever the default currently is.
 */
export class BehaviorBook {
  readonly #baseline: Record<SystemName, Behavior>;
  readonly #defaults = new Map<SystemName, Behavior>();
  readonly #scoped = new Map<SystemName, Map<string, Behavior>>();

  constructor(baseline: Record<SystemName, Behavior>) {
    this.#baseline = baseline;
  }

  defaultOf(system: SystemName): Behavior {
    let behavior = this.#defaults.get(system);
    if (!behavior) {
      behavior = { ...this.#baseline[system] };
      this.#defaults.set(system, behavior);
    }
    return behavior;
  }

  /** The live rule for a request (a shipment's rule before its order's); mutable so `failNext` can count down. */
  resolve(system: SystemName, reference: string | undefined, shipmentId?: string): Behavior {
    const scopes = this.#scopesOf(system);
    const scoped = (shipmentId === undefined ? undefined : scopes.get(shipmentId)) ?? (reference === undefined ? undefined : scopes.get(reference));
    return scoped ?? this.defaultOf(system);
  }

  update(system: SystemName, patch: BehaviorPatch): Behavior {
    const { scope, ...changes } = patch;
    const target = scope === undefined ? this.defaultOf(system) : this.#scopedRule(system, scope);
    return Object.assign(target, changes);
  }

  reset(system: SystemName, scope?: string): void {
    if (scope !== undefined) {
      this.#scopesOf(system).delete(scope);
      return;
    }
    this.#defaults.delete(system);
    this.#scoped.delete(system);
  }

  #scopedRule(system: SystemName, scope: string): Behavior {
    const scopes = this.#scopesOf(system);
    let behavior = scopes.get(scope);
    if (!behavior) {
      behavior = { ...this.#baseline[system] };
      scopes.set(scope, behavior);
    }
    return behavior;
  }

  #scopesOf(system: SystemName): Map<string, Behavior> {
    let scopes = this.#scoped.get(system);
    if (!scopes) {
      scopes = new Map();
      this.#scoped.set(system, scopes);
    }
    return scopes;
  }
}

export type ReferenceOf = (req: Request) => string | undefined;

export const bodyReference: ReferenceOf = (req) => {
  const reference: unknown = req.body?.reference;
  return typeof reference === 'string' ? reference : undefined;
};

export type VendorAction = (req: Request) => VendorResult;

/**
 * Wraps a vendor route in the system's behavior: latency, then either an
 * injected 503 (nothing done) or the action, whose answer may then hang or be
 * lost after the work was done.
 */
export function simulated(book: BehaviorBook, system: SystemName, random: () => number) {
  return (action: VendorAction, referenceOf: ReferenceOf = bodyReference): RequestHandler =>
    async (req, res) => {
      const shipmentId: unknown = req.body?.shipmentId;
      const behavior = book.resolve(system, referenceOf(req), typeof shipmentId === 'string' ? shipmentId : undefined);
      // Decided on arrival so `failNext` counts requests in the order they came in.
      const unavailable = takeUnavailability(behavior, random);
      await sleep(behavior.latencyMs + Math.floor(random() * behavior.jitterMs));
      if (unavailable) {
        send(res, failure(503, 'unavailable', `${system} simulator: injected failure`));
        return;
      }
      // Snapshot now, so changes made while the answer hangs do not leak into it.
      const result = structuredClone(outcome(() => action(req)));
      const lost = random() < behavior.lostResponseRate;
      await sleep(behavior.hangMs);
      send(res, lost ? failure(503, 'response_lost', `${system} simulator: action done, response lost`) : result);
    };
}

function takeUnavailability(behavior: Behavior, random: () => number): boolean {
  if (behavior.outage) return true;
  if (behavior.failNext > 0) {
    behavior.failNext -= 1;
    return true;
  }
  return random() < behavior.failureRate;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
