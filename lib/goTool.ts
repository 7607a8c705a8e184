import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findGo, goBinDir, isExecutable } from './temporalCli';

export type GoToolSource = 'env' | 'go-cache' | 'go-build';

/** A tool Hotpath builds from the Go module proxy once (`go install module@version`) and keeps in Go's bin dir. */
export interface GoTool {
  /** `package/path@vX.Y.Z`: the module root itself, or a command inside it (then name the module in `mainModule`). */
  module: string;
  /** The module the command belongs to, when `module` names a package below its root (helm's `helm.sh/helm/v3/cmd/helm`). */
  mainModule?: string;
  /** The binary's name in Go's bin dir. */
  binary: string;
  /** The environment variable that names a binary of the user's own instead. */
  envVar: string;
  /** What the build log calls it, e.g. "Mailpit". */
  name: string;
}

/**
 * Resolves a Go-built tool: its environment variable, then a cached build of the pinned version in Go's bin dir,
 * then (when `build` is true and Go exists) builds it there once. Undefined when none applies. A cached binary of
 * another version is built again: flags, APIs and the specs they check differ between releases.
 */
export function resolveGoTool(tool: GoTool, options: { build?: boolean; log?: (line: string) => void } = {}): { path: string; source: GoToolSource } | undefined {
  const log = options.log ?? (() => {});
  const explicit = process.env[tool.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${tool.envVar}=${explicit} is not an executable file`);
    return { path: explicit, source: 'env' };
  }
  const go = findGo();
  if (!go) return undefined;
  const cached = path.join(goBinDir(go), tool.binary);
  const [packagePath, version] = tool.module.split('@') as [string, string];
  // `go install` stamps the main module's path and version into the binary, not the package's.
  if (isExecutable(cached) && builtVersion(go, cached, tool.mainModule ?? packagePath) === version) return { path: cached, source: 'go-cache' };
  if (!options.build) return undefined;

  log(`building ${tool.name} once with ${go} install ${tool.module}…`);
  const started = Date.now();
  const result = spawnSync(go, ['install', tool.module], {
    stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: process.env.GOFLAGS ?? '' },
  });
  if (result.status !== 0 || !isExecutable(cached)) throw new Error(`go install ${tool.module} failed (exit ${result.status}); see the output above`);
  log(`built ${cached} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { path: cached, source: 'go-build' };
}

/** The main module's version `go install` stamped into the binary (`go version -m`). */
function builtVersion(go: string, binary: string, modulePath: string): string | undefined {
  const out = spawnSync(go, ['version', '-m', binary], { encoding: 'utf8' }).stdout ?? '';
  const line = out.split('\n').find((l) => l.trim().startsWith('mod\t') || l.trim().startsWith('mod '));
  const [, mod, version] = line?.trim().split(/\s+/) ?? [];
  return mod === modulePath ? version : undefined;
}
