const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** One duration setting (`24h`, `90m`, `7d`, `1.5h`; a bare number is milliseconds) in milliseconds, or an error naming the setting. */
export function parseDurationMs(raw: string, setting: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
  if (!match) throw new Error(`${setting}: "${raw.trim()}" is not a duration like 30m, 24h, 7d`);
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
  if (ms <= 0) throw new Error(`${setting}: must be longer than nothing`);
  return ms;
}
