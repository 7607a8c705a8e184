import { resolveGoTool, type GoToolSource } from './goTool';

/**
 * stripe-mock serves Stripe's OpenAPI specification and refuses any request that does not fit it.
 * v0.203.0 embeds the spec of API version 2026-08-26.dahlia, the version the pinned `stripe` SDK (22.6.x) sends.
 */
export const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock@v0.203.0';
export const STRIPE_MOCK_API_VERSION = '2026-08-26.dahlia';

const TOOL = { module: STRIPE_MOCK_MODULE, binary: 'stripe-mock', envVar: 'STRIPE_MOCK_PATH', name: 'stripe-mock' };

/** The stripe-mock binary: STRIPE_MOCK_PATH, a cached build of the pinned version in Go's bin dir, or (with `build`) a build of it. */
export function resolveStripeMock(options: { build?: boolean; log?: (line: string) => void } = {}): { path: string; source: GoToolSource } | undefined {
  return resolveGoTool(TOOL, options);
}
