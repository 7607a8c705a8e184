/**
 * The `postgres` role of `npm start`: the embedded Postgres (data in EMBEDDED_PG_DIR, port EMBEDDED_PG_PORT) as
 * its own supervised process. The postmaster and its backends share this process's group, so the supervisor stops
 * them all together; if the postmaster dies, so does this process, and the supervisor restarts the role.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../db/embedded';
import { onShutdown } from '../../lib/process';

const dir = process.env.EMBEDDED_PG_DIR ?? path.resolve('.data/postgres');
const port = Number(process.env.EMBEDDED_PG_PORT ?? 5433);
const pg = await startEmbeddedPostgres(dir, port);
onShutdown(() => pg.stop());
console.log(`postgres ready on 127.0.0.1:${port} (data in ${dir})`);

const postmasterPid = () => Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const pid = postmasterPid();
setInterval(() => {
  try {
    process.kill(pid, 0);
  } catch {
    console.error(`postmaster ${pid} is gone`);
    process.exit(1);
  }
}, 1000);
