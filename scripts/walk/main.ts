/**
 * `npm run chaos -- --walks N [--seed S] [--path P] [--lanes K]`: N model-based random walks against one real
 * stack. A failing walk prints its seed, path and shrunk command list; `--walks 1 --seed S --path P` replays it.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeFailure, runWalks } from './runner';
import { startWalkStack } from './stack';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      walks: { type: 'string', default: '50' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
      path: { type: 'string' },
      lanes: { type: 'string', default: '6' },
      'shrink-walks': { type: 'string', default: '30' },
      'max-commands': { type: 'string', default: '12' },
      report: { type: 'string', default: 'walk-report.json' },
      'stop-on-failure': { type: 'boolean', default: false },
    },
  });
  const t0 = Date.now();
  const log = (line: string) => console.log(`[walk +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
  const { env, stop } = await startWalkStack(log);
  try {
    const options = { walks: Number(values.walks), seed: Number(values.seed), path: values.path as string | undefined, lanes: Number(values.lanes), shrinkWalks: Number(values['shrink-walks']), maxCommands: Number(values['max-commands']), stopAtFailure: Boolean(values['stop-on-failure']) };
    log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${options.walks} walks, seed ${options.seed}${options.path ? `, path ${options.path}` : ''}, ${options.lanes} lanes`);
    const summary = await runWalks(env, options);
    await writeFile(String(values.report), `${JSON.stringify({ seed: options.seed, ...summary }, null, 2)}\n`);
    for (const f of summary.failures) console.log(describeFailure(f, 'npm run chaos --'));
    console.log(JSON.stringify({ ...summary, failures: summary.failures.length }, null, 2));
    console.log(`${summary.violations === 0 ? 'PASS' : 'FAIL'}: ${summary.walks} walks, ${summary.commands} commands, ${summary.seconds} s (${summary.walksPerMinute} walks/min), violations = ${summary.violations}`);
    return summary.violations === 0 ? 0 : 1;
  } finally {
    await stop();
  }
}
