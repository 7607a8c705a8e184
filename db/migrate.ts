import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { openDatabase } from './client';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies the committed drizzle-kit migrations; safe to run concurrently and repeatedly. */
export async function migrateDatabase(url: string): Promise<void> {
  const { db, sql, close } = openDatabase(url, { max: 1 });
  try {
    // Serialise concurrent start-ups (api and worker booting together) on one advisory lock.
    await sql`select pg_advisory_lock(7233)`;
    await migrate(db, { migrationsFolder });
  } finally {
    await sql`select pg_advisory_unlock(7233)`.catch(() => {});
    await close();
  }
}
