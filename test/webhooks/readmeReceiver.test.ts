import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../db/embedded';
import { api } from '../support/stack';
import { README_CHECKOUT_TOKEN } from '../support/testPolicy';
import { deliveriesOf, settledDelivery, shippedOrder, SHIPPED_ORDER_EVENTS, subscribe } from './support';

const root = fileURLToPath(new URL('../..', import.meta.url));
let child: ChildProcess | undefined;
afterAll(() => child?.kill('SIGKILL'));

/** The README's receiver, exactly as printed (the block after the `webhook-receiver` marker). */
async function readmeReceiver(): Promise<string> {
  const readme = await readFile(`${root}README.md`, 'utf8');
  const block = /<!-- webhook-receiver -->\n```js\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README has no webhook-receiver block');
  return block[1]!;
}

describe("the README's webhook receiver", () => {
  it('is at most 20 lines, and receives, verifies, dedupes and orders every event of a real order', async () => {
    const code = await readmeReceiver();
    expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(20);
    // Inside the project, so `standardwebhooks` resolves from its node_modules as it would in a receiver's own.
    await mkdir(`${root}node_modules/.cache`, { recursive: true });
    const file = `${root}node_modules/.cache/readme-webhook-receiver.mjs`;
    await writeFile(file, code);

    const port = await freePort();
    // As a checkout client of its own: every endpoint of a client gets its orders' events, and shares its slots.
    const token = README_CHECKOUT_TOKEN;
    const auth = { authorization: `Bearer ${token}` };
    // On a loopback address of its own: the host's delivery slots are not shared with the other files' receivers.
    const sub = await subscribe(`http://127.0.0.9:${port}/hooks`, { token });
    child = spawn(process.execPath, [file], { env: { ...process.env, HOTPATH_WEBHOOK_SECRET: sub.secret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await expect.poll(() => fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then((r) => r.status, () => 0), { timeout: 10_000 }).toBe(401);

    const { orderId } = await shippedOrder({ token });
    const lines = () => output.trim().split('\n').filter((l) => l.includes(orderId));
    await expect.poll(() => lines().length, { timeout: 30_000 }).toBe(SHIPPED_ORDER_EVENTS.length);
    expect(lines().map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(SHIPPED_ORDER_EVENTS.map((type, i) => `${i + 1} ${type}`));

    // A redelivery reaches it (204) and changes nothing: deduplicated by webhook-id.
    const completed = await settledDelivery(sub.id, (d) => d.orderId === orderId && d.type === 'order.completed', token, undefined, orderId);
    expect((await api(`/webhook-subscriptions/${sub.id}/deliveries/${completed.id}/redeliver`, { method: 'POST', headers: auth })).status).toBe(202);
    await expect
      .poll(async () => (await deliveriesOf(sub.id, token)).deliveries.find((d) => d.id === completed.id).log.length, { timeout: 30_000 })
      .toBe(2);
    expect(await settledDelivery(sub.id, (d) => d.id === completed.id, token)).toMatchObject({ state: 'delivered', lastStatus: 204 });
    expect(lines()).toHaveLength(SHIPPED_ORDER_EVENTS.length);
    expect((await api(`/webhook-subscriptions/${sub.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
  });
});
