import fc from 'fast-check';
import { commandArbitrary } from './commands';
import type { WalkEnv } from './env';
import { walkSpecArbitrary } from './spec';
import { runWalk } from './walk';

export interface WalkRunOptions {
  walks: number;
  seed: number;
  /** fast-check's path of a counterexample: replays that one walk (with `walks: 1`). */
  path?: string;
  /** Walks run side by side, each a fast-check run of its own with seed + lane. */
  lanes: number;
  /** Walks spent shrinking a failure before the smallest so far is reported. */
  shrinkWalks: number;
  maxCommands: number;
  /** Once any walk failed, the other lanes stop (hunting a known defect). */
  stopAtFailure?: boolean;
}

export interface Failure {
  lane: number;
  seed: number;
  path: string;
  /** 1-based number of the walk (over the whole run) that first failed. */
  walk: number;
  counterexample: string;
  error: string;
}

export interface WalkRunSummary {
  walks: number;
  commands: number;
  orders: number;
  parkedResolved: number;
  seconds: number;
  walksPerMinute: number;
  violations: number;
  outcomes: Record<string, number>;
  failures: Failure[];
}

/** Runs `walks` model-based walks over `lanes` concurrent fast-check runs; failures come back shrunk, with seed and path. */
export async function runWalks(env: WalkEnv, options: WalkRunOptions): Promise<WalkRunSummary> {
  const started = Date.now();
  const summary: WalkRunSummary = { walks: 0, commands: 0, orders: 0, parkedResolved: 0, seconds: 0, walksPerMinute: 0, violations: 0, outcomes: {}, failures: [] };
  let anyFailure = false;
  const lanes = options.path ? 1 : Math.max(1, Math.min(options.lanes, options.walks));
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const numRuns = options.path ? 1 : Math.floor(options.walks / lanes) + (lane < options.walks % lanes ? 1 : 0);
      const seed = options.seed + lane;
      let firstFailure: number | undefined;
      let shrinkLeft = options.shrinkWalks;
      let execution = 0;
      const property = fc.asyncProperty(walkSpecArbitrary, fc.array(commandArbitrary(), { minLength: 3, maxLength: options.maxCommands }), async (spec, commands) => {
        if (firstFailure !== undefined && shrinkLeft-- <= 0) return true; // shrinking budget spent: keep the smallest so far
        if (options.stopAtFailure && anyFailure && firstFailure === undefined) return true;
        const walkNo = ++summary.walks;
        const outcome = await runWalk(env, spec, commands, `${env.runId}-${seed}-${execution++}`);
        if (firstFailure === undefined) {
          summary.commands += outcome.commands;
          summary.orders += outcome.orders;
          summary.parkedResolved += outcome.parkedResolved;
          for (const [k, n] of Object.entries(outcome.outcomes)) summary.outcomes[k] = (summary.outcomes[k] ?? 0) + n;
        }
        const note = `walk ${walkNo} (lane ${lane}): ${outcome.orders} orders, ${outcome.commands} commands, ${(outcome.ms / 1000).toFixed(1)} s, ${outcome.violations.length} violations`;
        if (process.env.WALK_VERBOSE) env.log(`walk ${walkNo}: ${commands.map(String).join(', ')} → ${JSON.stringify(outcome.outcomes)}`);
        if (outcome.violations.length === 0) {
          if (walkNo % 10 === 0 || options.walks <= 20) env.log(note);
          return true;
        }
        env.log(`${note}\n  ${outcome.violations.map((v) => `${v.invariant}: ${v.detail}`).join('\n  ')}`);
        // At once, before any shrinking: a run cut short (a test's timeout, Ctrl-C) still says what failed.
        if (firstFailure === undefined) env.log(`  failing walk (lane ${lane}, seed ${seed}): ${fc.stringify(spec)}\n    ${commands.map(String).join(', ')}`);
        firstFailure ??= walkNo;
        anyFailure = true;
        throw new Error(outcome.violations.map((v) => `${v.invariant}: ${v.detail}`).join('; '));
      });
      const details = await fc.check(property, { seed, numRuns, ...(options.path ? { path: options.path } : {}), endOnFailure: false });
      if (details.failed && details.counterexample) {
        summary.failures.push({
          lane,
          seed,
          path: details.counterexamplePath ?? '',
          walk: firstFailure ?? 0,
          counterexample: `${fc.stringify(details.counterexample[0])}\n${details.counterexample[1].map(String).join(', ')}`,
          error: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
        });
      }
    }),
  );
  summary.seconds = Math.round((Date.now() - started) / 1000);
  summary.walksPerMinute = Math.round((summary.walks / Math.max(1, Date.now() - started)) * 60_000 * 10) / 10;
  summary.violations = summary.failures.length;
  return summary;
}

/** What a failing walk prints: enough to replay it. */
export function describeFailure(f: Failure, replay: string): string {
  return [
    `FAILED walk ${f.walk} (lane ${f.lane}): ${f.error}`,
    `  seed ${f.seed}, path "${f.path}"`,
    `  shrunk walk:\n    ${f.counterexample.replace(/\n/g, '\n    ')}`,
    `  replay: ${replay} --walks 1 --seed ${f.seed} --path "${f.path}"`,
  ].join('\n');
}
