import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Database } from '../../../db/client';
import { recordSend, recordedSend } from '../../../db/notifications/sends';
import { NotificationsUnavailable, RecipientRejected, type CustomerMessage, type NotificationsPort, type SendOutcome } from '../port';
import { renderMessage } from '../templates';

/** The Message-ID of a step's e-mail: the same on every attempt, so whoever receives a duplicate can tell it is one. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@hotpath>`;
}

export interface SmtpOptions {
  /** smtp://[user:pass@]host:port (smtps:// for implicit TLS). */
  url: string;
  /** The From header, e.g. `Hotpath <orders@example.com>`. */
  from: string;
  db: Database;
  /** Budget of the connection, the greeting and each command; below the step's timeout, so an attempt ends before its retry starts. */
  timeoutMs?: number;
}

/**
 * Customer e-mail over SMTP (nodemailer). SMTP cannot promise exactly once, so the rule is: the server's
 * acceptance is recorded in Postgres under the step key, and a send whose key has a record sends nothing.
 * What remains (accepted, then the process died before the record) is one duplicate with the same Message-ID;
 * docs/notifications.md says so.
 */
export function smtpNotifications(options: SmtpOptions): NotificationsPort {
  const timeoutMs = options.timeoutMs ?? 4000;
  // One connection per message (no pool): one e-mail per order, and nothing left open to close when a worker stops.
  const transport = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });

  return {
    async send(message: CustomerMessage): Promise<SendOutcome> {
      const messageId = messageIdFor(message.key);
      const recorded = await recordedSend(options.db, message.key);
      if (recorded) return { status: 'already_sent', messageId: recorded.messageId };

      const rendered = renderMessage(message);
      let response: string;
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          messageId,
          headers: { 'X-Hotpath-Order': message.orderId, 'X-Hotpath-Template': message.template },
        });
        response = info.response;
      } catch (err) {
        throw classify(err);
      }
      await recordSend(options.db, { key: message.key, messageId, response });
      return { status: 'sent', messageId };
    },
  };
}

interface SmtpError {
  message: string;
  code?: string;
  command?: string;
  responseCode?: number;
}

/**
 * A 5xx answer to RCPT TO refuses this recipient for good (no such mailbox, domain refused), as does an address
 * nodemailer cannot send to at all. Everything else may pass: 4xx answers (greylisting, a full queue), connection
 * errors and timeouts. A 5xx to MAIL FROM or DATA is the sender's or the message's problem, not the customer's;
 * it is retried like a transient one and, once the step's attempts are spent, shows in the order's timeline.
 */
function classify(err: unknown): Error {
  const e = err as SmtpError;
  // The messages say which command and reply code, never the address or the server's text (which quotes the
  // address back, "550 5.1.1 <ada@…>: no such user"): those go to the encrypted details as vendorMessage.
  const reply = e.responseCode ? `, reply ${e.responseCode}` : '';
  if (e.command === 'RCPT TO' && (e.responseCode ?? 0) >= 500) return new RecipientRejected(`the mail server refused the recipient (at RCPT TO${reply})`, e.message);
  if (e.code === 'EENVELOPE' && e.command === 'API' && /recipient/i.test(e.message)) return new RecipientRejected('the recipient is not an address mail can be sent to', e.message);
  return new NotificationsUnavailable(`mail server unavailable (${e.code ?? 'error'}${e.command ? ` at ${e.command}` : ''}${reply})`, e.message);
}
