import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { openDatabase, type Database } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';

const admin = () => postgres(inject('databaseUrl').replace(/\/hotpath$/, '/postgres'), { max: 1, onnotice: () => {} });

/**
 * Databases of a test file's own in the run's Postgres cluster, migrated as production migrates: for what must
 * start from nothing (first start-up records, gauges nobody else moves). All are dropped after the file.
 */
export function useScratchDatabases(prefix: string): () => Promise<{ url: string; db: Database }> {
  const created: { name: string; close: () => Promise<void> }[] = [];
  afterAll(async () => {
    for (const db of created) await db.close();
    const server = admin();
    for (const db of created) await server.unsafe(`drop database if exists ${db.name} with (force)`);
    await server.end();
  });
  return async () => {
    const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const server = admin();
    await server.unsafe(`create database ${name}`);
    await server.end();
    const url = inject('databaseUrl').replace(/\/hotpath$/, `/${name}`);
    await migrateDatabase(url);
    const database = openDatabase(url, { max: 2 });
    created.push({ name, close: database.close });
    return { url, db: database.db };
  };
}
