import { quietBehavior, type Behavior } from './behavior';
import { SYSTEMS, type SystemName } from './systems';

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

export interface SimConfig {
  baseline: Record<SystemName, Behavior>;
  authTtlMs: number;
  wmsCallbackUrl: string | undefined;
  searchLagMs: number;
  stripeWebhookUrl: string | undefined;
  stripeWebhookSecret: string | undefined;
}

export function readSimConfig(env: NodeJS.ProcessEnv = process.env): SimConfig {
  const sharedLatency = readMillis(env, 'SIM_LATENCY_MS') ?? 0;
  const baseline = Object.fromEntries(
    SYSTEMS.map((system) => {
      const latency = readMillis(env, `SIM_${system.toUpperCase()}_LATENCY_MS`) ?? sharedLatency;
      return [system, quietBehavior(latency)];
    }),
  ) as Record<SystemName, Behavior>;
  return {
    baseline,
    authTtlMs: readMillis(env, 'SIM_AUTH_TTL_MS') ?? SEVEN_DAYS_MS,
    wmsCallbackUrl: env.WMS_CALLBACK_URL || undefined,
    searchLagMs: readMillis(env, 'SIM_SEARCH_LAG_MS') ?? 0,
    stripeWebhookUrl: env.STRIPE_WEBHOOK_URL || undefined,
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET || undefined,
  };
}

function readMillis(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer number of milliseconds, got "${raw}"`);
  }
  return value;
}
