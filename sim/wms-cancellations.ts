export type CancellationMode = 'confirm' | 'refuse';

/**
 * Whether the WMS accepts task cancellations. 'refuse' models a warehouse that
 * already started picking. Like behaviors, it can be scoped to one reference, or to one shipment.
 */
export class CancellationPolicy {
  #defaultMode: CancellationMode = 'confirm';
  readonly #scoped = new Map<string, CancellationMode>();

  modeFor(reference: string, shipmentId?: string): CancellationMode {
    return (shipmentId === undefined ? undefined : this.#scoped.get(shipmentId)) ?? this.#scoped.get(reference) ?? this.#defaultMode;
  }

  set(mode: CancellationMode, scope?: string): void {
    if (scope === undefined) this.#defaultMode = mode;
    else this.#scoped.set(scope, mode);
  }

  reset(scope?: string): void {
    if (scope !== undefined) {
      this.#scoped.delete(scope);
      return;
    }
    this.#defaultMode = 'confirm';
    this.#scoped.clear();
  }
}
