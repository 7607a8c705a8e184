import { eq } from 'drizzle-orm';
import type { Database } from '../client';
import { notificationSends } from '../schema';

export interface RecordedSend {
  key: string;
  messageId: string;
  acceptedAt: Date;
  response: string | null;
}

/** The acceptance recorded under a step key, if a mail server accepted that step's message. */
export async function recordedSend(db: Database, key: string): Promise<RecordedSend | undefined> {
  const [row] = await db.select().from(notificationSends).where(eq(notificationSends.key, key)).limit(1);
  return row;
}

/** Records that the mail server accepted the message of `key`; a second record of the same key keeps the first. */
export async function recordSend(db: Database, send: { key: string; messageId: string; response: string | null }): Promise<void> {
  await db.insert(notificationSends).values(send).onConflictDoNothing({ target: notificationSends.key });
}
