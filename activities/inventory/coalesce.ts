/** One caller's answer from a coalesced run: its own value or its own error. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Waiting<Req, Res> {
  request: Req;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

/** What the coalescer did so far (for the bench and the tests: were callers really served together?). */
export interface CoalescerStats {
  runs: number;
  callers: number;
  largestRun: number;
}

/**
 * Per-key group commit inside one process. The first caller of a key runs at once, alone; callers of the same key
 * that arrive while a run is in flight wait, and the next run takes all of them (up to `maxPerRun`). No timer:
 * a lone caller pays nothing, and under load a run's size is whatever queued during the previous run.
 * `run` answers every request of its batch (in order) and never throws; a run that throws anyway fails its
 * callers with that error, never the callers of other runs.
 */
export class Coalescer<Req, Res> {
  private readonly lanes = new Map<string, Waiting<Req, Res>[]>();
  readonly stats: CoalescerStats = { runs: 0, callers: 0, largestRun: 0 };

  constructor(
    private readonly run: (requests: Req[]) => Promise<Settled<Res>[]>,
    private readonly maxPerRun: number,
  ) {}

  submit(key: string, request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const lane = this.lanes.get(key);
      if (lane) {
        lane.push({ request, resolve, reject });
        return;
      }
      const fresh: Waiting<Req, Res>[] = [{ request, resolve, reject }];
      this.lanes.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: string, lane: Waiting<Req, Res>[]): Promise<void> {
    try {
      while (lane.length > 0) {
        const batch = lane.splice(0, this.maxPerRun);
        this.stats.runs += 1;
        this.stats.callers += batch.length;
        this.stats.largestRun = Math.max(this.stats.largestRun, batch.length);
        let answers: Settled<Res>[];
        try {
          answers = await this.run(batch.map((w) => w.request));
        } catch (error) {
          answers = batch.map(() => ({ ok: false, error }));
        }
        batch.forEach((w, i) => {
          const answer = answers[i] ?? { ok: false, error: new Error('the coalesced run gave no answer for this caller') };
          if (answer.ok) w.resolve(answer.value);
          else w.reject(answer.error);
        });
      }
    } finally {
      this.lanes.delete(key);
    }
  }
}
