import { resolveGoTool, type GoToolSource } from './goTool';

/**
 * vegeta: an open-loop load generator (requests at a constant rate, whatever the answers' latency), so a slow
 * server is measured as its callers see it rather than hidden by coordinated omission. The bench's burst and
 * `npm run bench:start` point it at the `npm start` layout, from outside, as a user's load test would.
 */
export const VEGETA_MODULE = 'github.com/tsenart/vegeta/v12@v12.13.0';

const TOOL = { module: VEGETA_MODULE, binary: 'vegeta', envVar: 'VEGETA_PATH', name: 'vegeta' };

/** The vegeta binary: VEGETA_PATH, a cached build of the pinned version in Go's bin dir, or (with `build`) a build of it. */
export function resolveVegeta(options: { build?: boolean; log?: (line: string) => void } = {}): { path: string; source: GoToolSource } | undefined {
  return resolveGoTool(TOOL, options);
}
