import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

/**
 * Console sessions ended before their time: a signed-out session's id, kept until the session would have
 * expired. In Postgres, so a sign-out on one API replica ends the session on every replica that shares
 * SESSION_SECRET. Only a cookie whose signature holds is ever looked up, so no anonymous request reaches it.
 */
export interface SessionRevocations {
  revoke(sessionId: string, expiresAt: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

export function postgresSessionRevocations(db: Database): SessionRevocations {
  return {
    async revoke(sessionId, expiresAt) {
      await db.execute(sql`
        insert into console_session_revocations (session_id, expires_at)
        values (${sessionId}, ${new Date(expiresAt).toISOString()}::timestamptz)
        on conflict (session_id) do nothing`);
      // A row is needed only while its cookie could still be presented; sign-outs sweep the expired ones.
      await db.execute(sql`delete from console_session_revocations where expires_at <= now()`);
    },
    async isRevoked(sessionId) {
      const rows = await db.execute(sql`select 1 from console_session_revocations where session_id = ${sessionId}`);
      return rows.length > 0;
    },
  };
}
