import type { Request } from 'express';
import type { VendorAction } from './behavior';
import { failure, outcome, type VendorResult } from './http';
import type { SystemName } from './systems';

interface StoredResponse {
  endpoint: string;
  result: VendorResult;
}

/** First answers to mutating requests, per system and Idempotency-Key. */
export class IdempotencyStore {
  readonly #bySystem = new Map<SystemName, Map<string, StoredResponse>>();

  get(system: SystemName, key: string): StoredResponse | undefined {
    return this.#bySystem.get(system)?.get(key);
  }

  put(system: SystemName, key: string, stored: StoredResponse): void {
    let keys = this.#bySystem.get(system);
    if (!keys) {
      keys = new Map();
      this.#bySystem.set(system, keys);
    }
    keys.set(key, stored);
  }
}

export type KeyedAction = (req: Request, idempotencyKey: string) => VendorResult;

/**
 * Makes a mutating action idempotent: a repeat with the same key replays the
 * first answer without acting again. Injected 503s never reach this code, so
 * they are never replayed. Lookup, action and store run synchronously, so two
 * concurrent requests with one key cannot both act.
 */
export function idempotent(store: IdempotencyStore, system: SystemName, action: KeyedAction): VendorAction {
  return (req) => {
    const key = req.get('Idempotency-Key')?.trim();
    if (!key) {
      return failure(400, 'idempotency_key_required', 'Mutating requests need an Idempotency-Key header');
    }
    const endpoint = `${req.method} ${req.baseUrl}${req.path}`;
    const stored = store.get(system, key);
    if (stored) {
      return stored.endpoint === endpoint
        ? stored.result
        : failure(422, 'idempotency_key_reused', `Idempotency-Key ${key} was first used for ${stored.endpoint}`);
    }
    const result = outcome(() => action(req, key));
    if (result.status < 500) store.put(system, key, { endpoint, result: structuredClone(result) });
    return result;
  };
}
