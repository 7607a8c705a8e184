import { inject } from 'vitest';
import { setMailpitChaos } from '../../lib/mailpit';

/** The run's Mailpit (web UI and API base). */
export const mailpitUrl = () => inject('mailpitUrl');
export const smtpUrl = () => inject('smtpUrl');

export interface MailpitSummary {
  ID: string;
  MessageID: string;
  Subject: string;
  To: { Name: string; Address: string }[];
  Created: string;
}

export interface MailpitMessage extends MailpitSummary {
  Text: string;
  HTML: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Messages matching a Mailpit search (https://mailpit.axllent.org/docs/usage/search-filters/), newest first. */
export async function searchMail(query: string, base = mailpitUrl()): Promise<MailpitSummary[]> {
  const found = await getJson<{ total: number; messages: MailpitSummary[] }>(`${base}/api/v1/search?query=${encodeURIComponent(query)}&limit=1000`);
  return found.messages;
}

/** Every stored message with this Message-ID (`<…>` or bare); duplicate detection is off, so each send counts. */
export async function messagesWithId(messageId: string, base = mailpitUrl()): Promise<MailpitSummary[]> {
  const bare = messageId.replace(/^<|>$/g, '');
  // The search matches substrings: keep the exact ones only.
  return (await searchMail(`message-id:"${bare}"`, base)).filter((m) => m.MessageID === bare);
}

/** One message with its bodies. */
export function mailMessage(id: string, base = mailpitUrl()): Promise<MailpitMessage> {
  return getJson<MailpitMessage>(`${base}/api/v1/message/${id}`);
}

/** Mailpit's chaos triggers (needs `--enable-chaos`): SMTP commands answer `ErrorCode` with `Probability` percent. */
export const setMailChaos = setMailpitChaos;
