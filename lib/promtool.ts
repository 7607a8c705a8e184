import { resolveGoTool, type GoToolSource } from './goTool';

/**
 * promtool, Prometheus's rule checker: `promtool check rules` and `promtool test rules` of deploy/prometheus
 * (test/platform/alertRules.test.ts). It builds with `go install` from its command package; the version stamped
 * into the binary is the module's (github.com/prometheus/prometheus, whose Go tags are v0.x for server 3.x).
 */
export const PROMTOOL_MODULE = 'github.com/prometheus/prometheus/cmd/promtool@v0.316.0';

const TOOL = { module: PROMTOOL_MODULE, mainModule: 'github.com/prometheus/prometheus', binary: 'promtool', envVar: 'PROMTOOL_PATH', name: 'promtool' };

/** The promtool binary: PROMTOOL_PATH, a cached build of the pinned version in Go's bin dir, or (with `build`) a build of it. */
export function resolvePromtool(options: { build?: boolean; log?: (line: string) => void } = {}): { path: string; source: GoToolSource } | undefined {
  return resolveGoTool(TOOL, options);
}
