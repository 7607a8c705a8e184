import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderActivities } from '../../activities';
import { messageIdFor, smtpNotifications } from '../../activities/notifications/adapters/smtp';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { NotificationsUnavailable, RecipientRejected, type CustomerMessage } from '../../activities/notifications/port';
import { freePort } from '../../db/embedded';
import { recordedSend } from '../../db/notifications/sends';
import { notificationSends } from '../../db/schema';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { startMailpit, type RunningMailpit } from '../../lib/mailpit';
import { stepKeys } from '../../workflows/order/ids';
import { paymentGateway } from '../../worker/createWorker';
import { vendorPorts } from '../../worker/vendors';
import { mailMessage, mailpitUrl, messagesWithId, setMailChaos, smtpUrl } from '../support/mailpit';
import { simUrl, testDb } from '../support/stack';

let counter = 0;
function confirmation(to = 'ada@example.com'): CustomerMessage {
  const orderId = `ord_smtp${process.pid}${Date.now().toString(36)}${counter++}`;
  return { key: stepKeys.notify(orderId, 'order_confirmed'), orderId, to, template: 'order_confirmed', data: { orderId, trackingNumbers: ['1ZSMTP0001', '1ZSMTP0002'] } };
}

const errorOf = (run: () => Promise<unknown>) =>
  run().then(
    () => undefined,
    (err: unknown) => err,
  );

describe('customer e-mail over SMTP, read back through Mailpit', () => {
  it('sends the confirmation with a Message-ID derived from the step key and records the acceptance', async () => {
    const adapter = smtpNotifications({ url: smtpUrl(), from: 'Hotpath <orders@hotpath.test>', db: testDb() });
    const message = confirmation();
    const outcome = await adapter.send(message);
    expect(outcome).toEqual({ status: 'sent', messageId: messageIdFor(message.key) });
    expect(outcome.messageId).toMatch(/^<[0-9a-f]{32}@hotpath>$/);

    const [received, ...more] = await messagesWithId(outcome.messageId);
    expect(more).toHaveLength(0);
    expect(received!.To).toEqual([{ Name: '', Address: 'ada@example.com' }]);
    expect(received!.Subject).toBe(`Order ${message.orderId} confirmed`);
    const body = await mailMessage(received!.ID, mailpitUrl());
    for (const fact of [message.orderId, '1ZSMTP0001', '1ZSMTP0002']) {
      expect(body.Text).toContain(fact);
      expect(body.HTML).toContain(fact);
    }

    const recorded = await recordedSend(testDb(), message.key);
    expect(recorded).toMatchObject({ key: message.key, messageId: outcome.messageId, response: expect.stringMatching(/^250 /) });
  });

  it('a retry after a recorded acceptance sends nothing; without the record it would have sent a duplicate', async () => {
    const adapter = smtpNotifications({ url: smtpUrl(), from: 'orders@hotpath.test', db: testDb() });
    const message = confirmation();
    const first = await adapter.send(message);
    expect(await adapter.send(message)).toEqual({ status: 'already_sent', messageId: first.messageId });
    expect(await adapter.send(message)).toEqual({ status: 'already_sent', messageId: first.messageId });
    expect(await messagesWithId(first.messageId)).toHaveLength(1);

    // The window the record closes: a process that died after the acceptance and before the record sends again,
    // with the same Message-ID. Mailpit's duplicate detection is off, so it keeps both and the count shows it.
    await testDb().delete(notificationSends).where(eq(notificationSends.key, message.key));
    expect(await adapter.send(message)).toEqual({ status: 'sent', messageId: first.messageId });
    expect(await messagesWithId(first.messageId)).toHaveLength(2);
  });
});

describe('a mail server that fails', () => {
  // A Mailpit of this file alone: its chaos must not fail the e-mail of the tests running beside it.
  let chaotic: RunningMailpit;
  beforeAll(async () => {
    chaotic = await startMailpit({ chaos: true });
  });
  afterAll(async () => {
    await chaotic?.stop();
  });

  it('a transient refusal (451) is NotificationsUnavailable, records nothing, and the next attempt delivers once', async () => {
    const adapter = smtpNotifications({ url: chaotic.smtpUrl, from: 'orders@hotpath.test', db: testDb() });
    const message = confirmation();
    await setMailChaos(chaotic.apiUrl, { Recipient: { ErrorCode: 451, Probability: 100 } });
    const err = await errorOf(() => adapter.send(message));
    expect(err).toBeInstanceOf(NotificationsUnavailable);
    expect((err as Error).message).toMatch(/451/);
    expect(await recordedSend(testDb(), message.key)).toBeUndefined();

    await setMailChaos(chaotic.apiUrl, {});
    const outcome = await adapter.send(message);
    expect(outcome.status).toBe('sent');
    expect(await messagesWithId(outcome.messageId, chaotic.apiUrl)).toHaveLength(1);
  });

  it('a permanent refusal of the recipient (550) is RecipientRejected, and the activity makes it non-retryable', async () => {
    const adapter = smtpNotifications({ url: chaotic.smtpUrl, from: 'orders@hotpath.test', db: testDb() });
    const message = confirmation('nobody@example.com');
    await setMailChaos(chaotic.apiUrl, { Recipient: { ErrorCode: 550, Probability: 100 } });
    try {
      const err = await errorOf(() => adapter.send(message));
      expect(err).toBeInstanceOf(RecipientRejected);
      // The message names the command and reply code; the address and the server's words (which quote it) are
      // kept apart, for the failure's encrypted details: failure messages reach Temporal in clear.
      expect((err as Error).message).toBe('the mail server refused the recipient (at RCPT TO, reply 550)');
      expect((err as RecipientRejected).vendorMessage).toMatch(/550/);
      expect(await recordedSend(testDb(), message.key)).toBeUndefined();

      const config = loadConfig({ ...vendorUrlsFor(simUrl()), SMTP_URL: chaotic.smtpUrl });
      const acts = createOrderActivities({ db: testDb(), payments: paymentGateway(config), ...vendorPorts(config, testDb()), allocation: nearestSingleWarehouseFirst });
      const failure = await errorOf(() => new MockActivityEnvironment().run(acts.notifyCustomer, { orderId: message.orderId, email: message.to, template: 'order_confirmed', trackingNumbers: [] }));
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'RecipientRejected', nonRetryable: true, message: 'the mail server refused the recipient (at RCPT TO, reply 550)' });
      expect((failure as ApplicationFailure).details).toEqual([{ vendorMessage: (err as RecipientRejected).vendorMessage }]);
    } finally {
      await setMailChaos(chaotic.apiUrl, {});
    }
  });

  it('a mail server that is down is NotificationsUnavailable (a retryable VendorUnavailable); once it is up the send goes out once', async () => {
    const port = await freePort();
    const url = `smtp://127.0.0.1:${port}`;
    const adapter = smtpNotifications({ url, from: 'orders@hotpath.test', db: testDb(), timeoutMs: 1000 });
    const message = confirmation();
    const err = await errorOf(() => adapter.send(message));
    expect(err).toBeInstanceOf(NotificationsUnavailable);
    expect((err as Error).message).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);

    const config = loadConfig({ ...vendorUrlsFor(simUrl()), SMTP_URL: url, VENDOR_TIMEOUT_MS: '1000' });
    const acts = createOrderActivities({ db: testDb(), payments: paymentGateway(config), ...vendorPorts(config, testDb()), allocation: nearestSingleWarehouseFirst });
    const input = { orderId: message.orderId, email: message.to, template: 'order_confirmed', trackingNumbers: message.data.trackingNumbers };
    const failure = await errorOf(() => new MockActivityEnvironment().run(acts.notifyCustomer, input));
    expect(failure).toMatchObject({ type: 'VendorUnavailable', nonRetryable: false });

    const late = await startMailpit({ smtpPort: port });
    try {
      const sent = await adapter.send(message);
      expect(sent).toEqual({ status: 'sent', messageId: messageIdFor(message.key) });
      expect(await messagesWithId(sent.messageId, late.apiUrl)).toHaveLength(1);
    } finally {
      await late.stop();
    }
  });
});

describe('NOTIFICATIONS_PROVIDER', () => {
  it('is smtp when SMTP_URL is set, the simulator otherwise, and refuses anything else naming the choices', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:1025' }).NOTIFICATIONS_PROVIDER).toBe('smtp');
    expect(loadConfig({}).NOTIFICATIONS_PROVIDER).toBe('simulator');
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:1025', NOTIFICATIONS_PROVIDER: 'simulator' }).NOTIFICATIONS_PROVIDER).toBe('simulator');
    expect(() => loadConfig({ NOTIFICATIONS_PROVIDER: 'sendgrid' })).toThrow(/NOTIFICATIONS_PROVIDER must be smtp or simulator/);
    expect(() => loadConfig({ NOTIFICATIONS_PROVIDER: 'smtp' })).toThrow(/needs SMTP_URL/);
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
  });
});
