import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findGo, goBinDir, isExecutable } from './temporalCli';

/**
 * stripe-mock serves Stripe's OpenAPI specification and refuses any request that does not fit it.
 * v0.203.0 embeds the spec of API version 2026-08-26.dahlia, the version the pinned `stripe` SDK (22.6.x) sends.
 */
export const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock@v0.203.0';
export const STRIPE_MOCK_API_VERSION = '2026-08-26.dahlia';

export type StripeMockSource = 'STRIPE_MOCK_PATH' | 'go-cache' | 'go-build';

/**
 * Resolves the stripe-mock binary: STRIPE_MOCK_PATH, then a cached `go install` build in Go's bin dir, then
 * (when `build` is true and Go exists) builds it there once (about 10–20 s). Undefined when none applies.
 */
export function resolveStripeMock(options: { build?: boolean; log?: (line: string) => void } = {}): { path: string; source: StripeMockSource } | undefined {
  const log = options.log ?? (() => {});
  const explicit = process.env.STRIPE_MOCK_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`STRIPE_MOCK_PATH=${explicit} is not an executable file`);
    return { path: explicit, source: 'STRIPE_MOCK_PATH' };
  }
  const go = findGo();
  if (!go) return undefined;
  const cached = path.join(goBinDir(go), 'stripe-mock');
  // A binary of another version would check requests against another spec: the version is part of the check.
  if (isExecutable(cached) && builtVersion(go, cached) === STRIPE_MOCK_MODULE.split('@')[1]) return { path: cached, source: 'go-cache' };
  if (!options.build) return undefined;

  log(`building stripe-mock once with ${go} install ${STRIPE_MOCK_MODULE}…`);
  const started = Date.now();
  const result = spawnSync(go, ['install', STRIPE_MOCK_MODULE], {
    stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: process.env.GOFLAGS ?? '' },
  });
  if (result.status !== 0 || !isExecutable(cached)) throw new Error(`go install ${STRIPE_MOCK_MODULE} failed (exit ${result.status}); see the output above`);
  log(`built ${cached} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { path: cached, source: 'go-build' };
}

/** The module version `go install` stamped into the binary (`go version -m`). */
function builtVersion(go: string, binary: string): string | undefined {
  const out = spawnSync(go, ['version', '-m', binary], { encoding: 'utf8' }).stdout ?? '';
  return /^\s*mod\s+github\.com\/stripe\/stripe-mock\s+(\S+)/m.exec(out)?.[1];
}
