import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The CLI release that still builds with `go install` (later tags use replace directives). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const GO_FALLBACKS = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'];

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

export function findGo(): string | undefined {
  return onPath('go') ?? GO_FALLBACKS.find(isExecutable);
}

/** Where `go install` puts binaries: GOBIN, else GOPATH/bin. */
export function goBinDir(go: string): string {
  const [gobin, gopath] = execFileSync(go, ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' }).split('\n');
  return gobin?.trim() || path.join((gopath ?? '').trim() || path.join(process.env.HOME ?? '/root', 'go'), 'bin');
}

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'go-cache' | 'go-build';

/**
 * Resolves the `temporal` CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then a cached `go install`
 * build in Go's bin dir, then (when `build` is true and Go exists) builds it there once.
 * Returns undefined when none applies: callers then fall back to the SDK's own download.
 */
export function resolveTemporalCli(options: { build?: boolean; log?: (line: string) => void } = {}):
  | { path: string; source: CliSource }
  | undefined {
  const log = options.log ?? (() => {});
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };

  const go = findGo();
  if (!go) return undefined;
  const cached = path.join(goBinDir(go), 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'go-cache' };
  if (!options.build) return undefined;

  log(`building the Temporal CLI once with ${go} install ${TEMPORAL_CLI_MODULE} (takes a few minutes)…`);
  const started = Date.now();
  const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
    stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: process.env.GOFLAGS ?? '' },
  });
  if (result.status !== 0 || !isExecutable(cached)) {
    throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${result.status}); see the output above`);
  }
  log(`built ${cached} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { path: cached, source: 'go-build' };
}
