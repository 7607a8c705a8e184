import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

/**
 * What reached the customers' mailbox (Mailpit) in a chaos run: messages, distinct Message-IDs (a duplicate is a
 * send whose acceptance a killed worker did not get to record; docs/notifications.md) and orders whose timeline
 * says they were notified.
 */
export async function mailSummary(mailpitUrl: string, db: Database): Promise<{ messages: number; distinctMessageIds: number; ordersNotified: number }> {
  const res = await fetch(`${mailpitUrl}/api/v1/messages?limit=100000`);
  const body = (await res.json()) as { messages: { MessageID: string }[] };
  const [notified] = await db.execute<{ n: number }>(sql`select count(distinct order_id)::int as n from order_events where type = 'customer.notified'`);
  return { messages: body.messages.length, distinctMessageIds: new Set(body.messages.map((m) => m.MessageID)).size, ordersNotified: notified?.n ?? 0 };
}
