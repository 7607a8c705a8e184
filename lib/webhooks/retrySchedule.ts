/**
 * WEBHOOK_RETRY_SCHEDULE: the delay before each attempt, comma-separated durations (`0, 5s, 5m, 30m, 2h, 5h,
 * 10h, 10h`, the Standard Webhooks recommendation, by default). Its length is the number of attempts; after the
 * last one fails, the subscription is disabled.
 */
export const DEFAULT_RETRY_SCHEDULE = '0, 5s, 5m, 30m, 2h, 5h, 10h, 10h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseRetrySchedule(raw: string): number[] {
  const delays = raw.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(part);
    if (!match) throw new Error(`WEBHOOK_RETRY_SCHEDULE: "${part.trim()}" is not a duration like 500ms, 5s, 5m, 2h`);
    return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
  });
  if (delays.length === 0) throw new Error('WEBHOOK_RETRY_SCHEDULE: name at least one attempt');
  return delays;
}
