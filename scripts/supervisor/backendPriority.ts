import postgres from 'postgres';
import { renice } from '../../lib/supervisor/priority';

/**
 * Postgres runs one backend process per connection, forked by the postmaster at its niceness. The workers'
 * connections (status writes, reservations, the dispatcher's scans) would otherwise compete with the API's order
 * transactions at equal priority however nice the worker process is. Every `everyMs` this finds the backends of
 * the application names matching `apps` and gives them `nice`. Returns a stop function.
 */
export function lowerBackendPriority(databaseUrl: string, apps: RegExp, nice: number, log: (line: string) => void, everyMs = 2000): () => Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connection: { application_name: 'hotpath-supervisor' } });
  let total = 0;
  const tick = async () => {
    const rows = await sql<{ pid: number; application_name: string }[]>`select pid, application_name from pg_stat_activity where backend_type = 'client backend'`;
    const changed = renice(rows.filter((r) => apps.test(r.application_name)).map((r) => r.pid), nice);
    if (changed && total === 0) log(`Postgres backends of the workers and the dispatcher now run at nice ${nice}`);
    total += changed;
  };
  const timer = setInterval(() => tick().catch(() => {}), everyMs);
  void tick().catch(() => {});
  return async () => {
    clearInterval(timer);
    await sql.end({ timeout: 2 });
  };
}
