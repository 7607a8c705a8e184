import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailpit, type RunningMailpit } from '../../lib/mailpit';
import { MailChaos } from '../../scripts/walk/mailChaos';

/** The walks' e-mail faults are Mailpit's own chaos triggers: what each order's wish adds up to, read back from Mailpit. */
let mailpit: RunningMailpit;
beforeAll(async () => {
  mailpit = await startMailpit({ chaos: true });
});
afterAll(() => mailpit?.stop());

async function recipientTrigger(): Promise<{ ErrorCode: number; Probability: number }> {
  const res = await fetch(`${mailpit.apiUrl}/api/v1/chaos`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { Recipient: { ErrorCode: number; Probability: number } }).Recipient;
}

describe("a walk's e-mail faults", () => {
  it('set the strongest wish of the orders that still hold one, and turn off when all are healed', async () => {
    const chaos = new MailChaos(mailpit.apiUrl);
    await chaos.break('ord_a', 'refuseHalf');
    expect(await recipientTrigger()).toMatchObject({ ErrorCode: 451, Probability: 50 });
    await chaos.break('ord_b', 'refuseAll');
    expect(await recipientTrigger()).toMatchObject({ ErrorCode: 451, Probability: 100 });
    await chaos.break('ord_c', 'bounce');
    expect(await recipientTrigger()).toMatchObject({ ErrorCode: 550, Probability: 100 });
    await chaos.heal(['ord_c']);
    expect(await recipientTrigger()).toMatchObject({ ErrorCode: 451, Probability: 100 });
    await chaos.heal(['ord_b', 'ord_unknown']);
    expect(await recipientTrigger()).toMatchObject({ ErrorCode: 451, Probability: 50 });
    await chaos.heal(['ord_a']);
    expect((await recipientTrigger()).Probability).toBe(0);
  });

  it('keep the order of calls made at once: the last one wins', async () => {
    const chaos = new MailChaos(mailpit.apiUrl);
    await Promise.all([chaos.break('ord_x', 'bounce'), chaos.heal(['ord_x']), chaos.break('ord_y', 'refuseHalf')]);
    expect(await recipientTrigger()).toMatchObject({ ErrorCode: 451, Probability: 50 });
    await chaos.heal(['ord_y']);
  });
});
