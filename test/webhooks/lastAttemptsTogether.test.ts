import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { orders, webhookDeliveries, webhookEvents, webhookSubscriptions } from '../../db/schema';
import type { AttemptOutcome, WebhookSender } from '../../lib/webhooks/sender';
import { runWebhookDelivery } from '../../worker/webhooks';
import { fixtureOrder } from '../support/stack';
import { useScratchDatabases } from '../support/scratchDatabase';

const scratchDatabase = useScratchDatabases('webhook_last_attempts');

/**
 * Several deliveries of one endpoint whose last attempts fail at the same moment: each recording disables the
 * endpoint. All of them must be recorded (none lost to a deadlock between the recordings, its claim left to lapse
 * for the timeout plus 30 s), and the endpoint disabled once. A database of its own: the run's dispatcher must not
 * claim these deliveries.
 */
describe('last attempts of one endpoint failing together', () => {
  it('are all recorded, and disable the endpoint, without a deadlock between them', async () => {
    const { db } = await scratchDatabase();
    const COUNT = 12;
    const order = fixtureOrder(`last-attempts-${Date.now()}`);
    await db.insert(orders).values(order);
    await db.insert(webhookSubscriptions).values({ id: 'whsub_lastattempts', owner: order.owner!, url: 'http://127.0.0.1:9/hooks', secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=' });
    await db.insert(webhookEvents).values(
      Array.from({ length: COUNT }, (_, i) => ({
        messageId: `msg_last_${i + 1}`,
        orderId: order.id!,
        owner: order.owner!,
        type: 'order.processing',
        sequence: i + 1,
        payload: { type: 'order.processing', data: { orderId: order.id!, sequence: i + 1 } },
      })),
    );

    // Every attempt is held until all are in flight, then all fail at once.
    const waiting: ((outcome: AttemptOutcome) => void)[] = [];
    const sender: WebhookSender = {
      send: () =>
        new Promise((resolve) => {
          waiting.push(resolve);
          if (waiting.length === COUNT) for (const answer of waiting.splice(0)) answer({ delivered: false, status: 503, error: 'HTTP 503', durationMs: 1 });
        }),
      close: async () => undefined,
    };
    const errors: unknown[] = [];
    const log = { error: (...args: unknown[]) => errors.push(args), warn() {}, info() {}, debug() {} };
    const delivery = runWebhookDelivery(db, {
      sender,
      retrySchedule: [0],
      pollIntervalMs: 20,
      perSubscription: COUNT,
      maxInFlight: COUNT,
      perOwner: COUNT,
      perHost: COUNT,
      timeoutMs: 2_000,
      log: log as never,
    });
    try {
      const deadline = Date.now() + 15_000;
      let states: string[] = [];
      for (;;) {
        states = (await db.select({ state: webhookDeliveries.state }).from(webhookDeliveries)).map((r) => r.state);
        if (states.length === COUNT && states.every((s) => s === 'failed')) break;
        if (errors.length > 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(errors).toEqual([]);
      expect(states).toEqual(Array(COUNT).fill('failed'));
      const [subscription] = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, 'whsub_lastattempts'));
      expect(subscription!.disabledAt).not.toBeNull();
      expect(subscription!.disabledReason).toMatch(/^1 attempts to deliver msg_last_\d+ failed; the last: HTTP 503$/);
    } finally {
      await delivery.stop();
    }
  });
});
