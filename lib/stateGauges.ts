import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics';

export interface StateGaugeSpec<K extends string> {
  /** The key of `read`'s answer this gauge shows. */
  key: K;
  name: string;
  help: string;
}

export interface StateGaugeOptions<K extends string> {
  gauges: StateGaugeSpec<K>[];
  /** One query for all of them (Postgres, on scrape). */
  read: () => Promise<Record<K, number>>;
  /** A read this young is served again: several scrapers (or a dashboard refreshing) cost one query. */
  ttlMs?: number;
  /** A read slower than this leaves the last values in place, so a slow database never hangs the scrape. */
  timeoutMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Gauges of state that lives in Postgres (orders parked, the outbox's backlog, disabled endpoints), read when
 * Prometheus scrapes, not on a timer: a process nobody scrapes queries nothing. They are registered only in the
 * process that calls this (the API), so no other process exports a misleading 0. Returns the unregister.
 */
export function serveStateGauges<K extends string>(options: StateGaugeOptions<K>): () => void {
  const ttlMs = options.ttlMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let last: { at: number; values: Record<K, number> } | undefined;
  let inFlight: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    if (last && Date.now() - last.at < ttlMs) return Promise.resolve();
    inFlight ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`state gauges: read took over ${timeoutMs} ms`)), timeoutMs)));
        last = { at: Date.now(), values: await Promise.race([options.read(), timeout]) };
      } catch (err) {
        // Keep the last values: the scrape still answers, and the database's own alerts say what is wrong.
        options.onError?.(err);
      } finally {
        clearTimeout(timer);
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  const gauges = options.gauges.map(
    (spec) =>
      new Gauge({
        name: spec.name,
        help: spec.help,
        registers: [metricsRegistry],
        async collect() {
          await refresh();
          if (last) this.set(last.values[spec.key]);
        },
      }),
  );
  return () => {
    for (const gauge of gauges) metricsRegistry.removeSingleMetric((gauge as unknown as { name: string }).name);
  };
}
