import { resolveGoTool, type GoToolSource } from './goTool';

/**
 * Helm, for the chart's tests (`helm lint`, `helm template` of deploy/helm/hotpath). v3.22.0 builds with
 * `go install` from its command package; the version stamped into the binary is the module's (helm.sh/helm/v3).
 */
export const HELM_MODULE = 'helm.sh/helm/v3/cmd/helm@v3.22.0';

const TOOL = { module: HELM_MODULE, mainModule: 'helm.sh/helm/v3', binary: 'helm', envVar: 'HELM_PATH', name: 'Helm' };

/** The helm binary: HELM_PATH, a cached build of the pinned version in Go's bin dir, or (with `build`) a build of it. */
export function resolveHelm(options: { build?: boolean; log?: (line: string) => void } = {}): { path: string; source: GoToolSource } | undefined {
  return resolveGoTool(TOOL, options);
}
