/**
 * The notifications port: what the saga needs from a mail service, in the saga's words. The activity calls this
 * interface, never a URL or an SMTP server; an adapter (./adapters/smtp.ts, ./adapters/simNotifications.ts) turns it
 * into one provider's protocol. NOTIFICATIONS_PROVIDER picks the adapter (worker/vendors.ts).
 *
 * A send is idempotent per `key`: an adapter must not deliver a second message for a key whose first was accepted
 * (docs/notifications.md states what remains when a process dies between the acceptance and its record).
 */
export interface CustomerMessage {
  /** The saga step's idempotency key (stepKeys.notify(orderId, template)): the Message-ID and the send record derive from it. */
  key: string;
  orderId: string;
  to: string;
  template: 'order_confirmed' | string;
  /** Facts the template renders (order id, tracking numbers…). */
  data: { orderId: string; trackingNumbers: string[] } & Record<string, unknown>;
}

export type SendOutcome = { status: 'sent'; messageId: string } | { status: 'already_sent'; messageId: string };

/**
 * Thrown for a recipient the provider refuses for good (non-retryable in the activity). Its message names no
 * address and quotes no reply (failure messages are stored in clear); `vendorMessage` keeps the provider's words.
 */
export class RecipientRejected extends Error {
  readonly kind = 'RecipientRejected';
  constructor(
    message: string,
    readonly vendorMessage?: string,
  ) {
    super(message);
  }
}

/** Thrown when the provider could not be reached or answered a transient error (retryable); the same rule for its message. */
export class NotificationsUnavailable extends Error {
  readonly kind = 'NotificationsUnavailable';
  constructor(
    message: string,
    readonly vendorMessage?: string,
  ) {
    super(message);
  }
}

export interface NotificationsPort {
  send(message: CustomerMessage): Promise<SendOutcome>;
}
