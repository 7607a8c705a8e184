import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Database = ReturnType<typeof openDatabase>['db'];

export function openDatabase(url: string, options: { max?: number; applicationName?: string } = {}) {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {}, ...(options.applicationName ? { connection: { application_name: options.applicationName } } : {}) });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
