import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The house's rules, as `.dependency-cruiser.cjs` states them. */
export const config = require('../../.dependency-cruiser.cjs') as {
  forbidden: { name: string }[];
  options: Record<string, unknown>;
};

/** Cruises `paths` (relative to baseDir) with the house's rules and returns the whole result. */
export async function cruiseWithRules(paths: string[], baseDir = root): Promise<ICruiseResult> {
  const reported = await cruise(paths, {
    ...config.options,
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden } as never,
    outputType: 'json',
  });
  return (typeof reported.output === 'string' ? JSON.parse(reported.output) : reported.output) as ICruiseResult;
}

/** One line per violation, readable in a failed assertion: `rule: from -> to`. */
export const describeViolation = (v: IViolation): string =>
  `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (circle: ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`;
