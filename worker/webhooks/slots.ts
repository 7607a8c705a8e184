/**
 * The dispatcher's delivery slots: how many attempts it has in flight in all, to one subscription, for one owner
 * (the principal whose endpoints they are) and to one target host. An attempt needs a slot of each; so one slow
 * endpoint holds at most `perSubscription`, one client with many endpoints at most `perOwner`, and one third-party
 * host (however many subscriptions, of however many clients, name it) at most `perHost` of the `global` slots.
 * Pure bookkeeping, per dispatcher process: N dispatchers allow N times each limit.
 */
export interface SlotLimits {
  global: number;
  perSubscription: number;
  perOwner: number;
  perHost: number;
}

/** What an attempt holds a slot of. */
export interface SlotKey {
  subscription: string;
  owner: string;
  host: string;
}

/** The host part of a webhook URL as slots count it: lower-case, without port (the same host on two ports is one host). */
export function targetHost(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url;
  }
}

export class DeliverySlots {
  private total = 0;
  private readonly bySubscription = new Map<string, number>();
  private readonly byOwner = new Map<string, number>();
  private readonly byHost = new Map<string, number>();

  constructor(readonly limits: SlotLimits) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`slot limit ${name} must be a positive integer, not ${value}`);
    }
  }

  /** Attempts in flight in all. */
  get inFlight(): number {
    return this.total;
  }

  /** Slots left before the global limit. */
  get room(): number {
    return Math.max(0, this.limits.global - this.total);
  }

  /** Attempts in flight per subscription and per owner (for the claim query, which ranks within what is left). */
  busy(): { subscriptions: Record<string, number>; owners: Record<string, number>; hosts: Record<string, number> } {
    return { subscriptions: Object.fromEntries(this.bySubscription), owners: Object.fromEntries(this.byOwner), hosts: Object.fromEntries(this.byHost) };
  }

  /** Whether one more attempt with this key fits every limit. */
  fits(key: SlotKey): boolean {
    return (
      this.total < this.limits.global &&
      (this.bySubscription.get(key.subscription) ?? 0) < this.limits.perSubscription &&
      (this.byOwner.get(key.owner) ?? 0) < this.limits.perOwner &&
      (this.byHost.get(key.host) ?? 0) < this.limits.perHost
    );
  }

  /** Takes a slot of each kind; false (and nothing taken) when one of them is full. */
  take(key: SlotKey): boolean {
    if (!this.fits(key)) return false;
    this.total += 1;
    bump(this.bySubscription, key.subscription, 1);
    bump(this.byOwner, key.owner, 1);
    bump(this.byHost, key.host, 1);
    return true;
  }

  /** Gives back the slots `take` took. */
  release(key: SlotKey): void {
    if (!this.bySubscription.has(key.subscription) || !this.byOwner.has(key.owner) || !this.byHost.has(key.host)) {
      throw new Error(`no slot of ${key.subscription} (${key.owner}, ${key.host}) is taken`);
    }
    this.total -= 1;
    bump(this.bySubscription, key.subscription, -1);
    bump(this.byOwner, key.owner, -1);
    bump(this.byHost, key.host, -1);
  }

  /**
   * Takes slots for the candidates in turn, skipping those that no longer fit; answers the ones taken (in order).
   * Candidates come interleaved by owner (each owner's oldest first), so a crowd of one owner's deliveries ahead
   * in time does not push another owner's out of the batch.
   */
  pick<T extends SlotKey>(candidates: T[]): T[] {
    const taken: T[] = [];
    for (const candidate of candidates) {
      if (this.total >= this.limits.global) break;
      if (this.take(candidate)) taken.push(candidate);
    }
    return taken;
  }
}

function bump(counts: Map<string, number>, key: string, by: number) {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
