/** Fields every simulator record carries. */
export interface SimRecord {
  type: string;
  id: string;
  reference: string;
  idempotencyKey: string;
  createdAt: string;
}

/**
 * Left by a compensation that found nothing under the key it named, so a
 * create request still in flight with that key is refused when it lands.
 */
export interface Tombstone {
  type: 'tombstone';
  key: string;
  reference: string;
  idempotencyKey: string;
  createdAt: string;
}

/** Records addressable by id and by the Idempotency-Key that created them. */
export class KeyedRecords<T extends SimRecord> {
  readonly #byId = new Map<string, T>();
  readonly #idByKey = new Map<string, string>();
  readonly #tombstones = new Map<string, Tombstone>();

  add(record: T): T {
    this.#byId.set(record.id, record);
    this.#idByKey.set(record.idempotencyKey, record.id);
    return record;
  }

  byId(id: string): T | undefined {
    return this.#byId.get(id);
  }

  byKey(key: string): T | undefined {
    const id = this.#idByKey.get(key);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  tombstone(stone: Omit<Tombstone, 'type'>): void {
    if (!this.#tombstones.has(stone.key)) this.#tombstones.set(stone.key, { type: 'tombstone', ...stone });
  }

  isTombstoned(key: string): boolean {
    return this.#tombstones.has(key);
  }

  list(reference?: string): T[] {
    return onlyFor(reference, [...this.#byId.values()]);
  }

  records(reference?: string): (T | Tombstone)[] {
    return [...this.list(reference), ...onlyFor(reference, [...this.#tombstones.values()])];
  }
}

function onlyFor<R extends { reference: string }>(reference: string | undefined, records: R[]): R[] {
  return reference === undefined ? records : records.filter((record) => record.reference === reference);
}
