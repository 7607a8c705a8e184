import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { clientOf, startOwnApi } from '../support/ownApi';
import { newSku, nextOrder, orderRequest, sim, simUrl, waitForStatus } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';

/**
 * The newcomer's walk-through, in a real browser against the run's real Temporal Web UI: find the stuck
 * order by its search attributes, read its decoded input through Hotpath's codec (authorised by the console's
 * sign-in cookie), cancel it in the console and watch the compensation in both.
 */
const uiUrl = () => inject('temporalUiUrl');
// The browser reaches the API as `localhost`, the host the Web UI's codec requests go to: one cookie serves both.
const apiUrl = () => inject('apiUrl').replace('127.0.0.1', 'localhost');

let browser: Browser;
/** Places orders whose exhausted steps wait for a human (park) instead of failing the saga. */
let parkingApi: RunningApi;

async function shot(page: Page, name: string) {
  await mkdir('test-artifacts', { recursive: true });
  await page.screenshot({ path: path.join('test-artifacts', name), fullPage: true });
}

describe('the Web UI and the console together', () => {
  beforeAll(async () => {
    parkingApi = await startOwnApi({ policy: { onStepExhausted: 'park' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parkingApi?.close();
  });

  it('filters stuck orders, decodes their payloads with the console cookie, and shows the cancellation', { timeout: 150_000 }, async () => {
    const customerId = `cust-ui-${Date.now().toString(36)}`;
    const email = `lin.${Date.now()}@example.com`;
    const sku = await newSku({ 'wh-east': 5 });
    const { key, orderId } = nextOrder();
    const workflowId = `order-${orderId}`;
    // The carrier is down for this order: the label step parks it in needs_attention, hold and authorization in place.
    expect((await sim('/_sim/carrier/behavior', { scope: orderId, outage: true })).status).toBe(200);
    const placed = await clientOf(parkingApi).call('/orders', orderRequest({ customerId, email, lines: [{ sku, quantity: 1, unitPriceCents: 4200 }] }), { 'idempotency-key': key });
    expect(placed.status).toBe(202);
    expect((await waitForStatus(orderId, ['needs_attention'])).reason).toBe('vendor_unavailable');

    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const codecCalls: number[] = [];
    page.on('response', (res) => res.url().startsWith(`${apiUrl()}/codec/decode`) && codecCalls.push(res.status()));

    try {
      // 1. Sign in to the console: the cookie it sets is what the Web UI's codec requests will carry.
      await page.goto(`${apiUrl()}/console`);
      await page.getByLabel('Staff token').fill(STAFF_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#who', { hasText: 'Signed in as' }).waitFor();

      // 2. In the Web UI, point this browser at the codec with cross-origin credentials, as the README says.
      await page.goto(`${uiUrl()}/namespaces/default/workflows`);
      await page.getByTestId('data-encoder-status-configured').click();
      await page.getByRole('button', { name: 'Use Cluster-level setting,' }).click();
      await page.locator('#use-local-endpoint-radio').check({ force: true });
      await page.getByPlaceholder('Paste your endpoint here').fill(`${apiUrl()}/codec`);
      await page.locator('#pass-access-credentials').focus();
      await page.keyboard.press('Space');
      expect(await page.locator('#pass-access-credentials').isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Apply' }).click();

      // 3. Filter the stuck orders of this customer by the saga's search attributes.
      const query = `OrderStatus = "needs_attention" AND CustomerId = "${customerId}"`;
      await page.goto(`${uiUrl()}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
      await page.getByText(workflowId).first().waitFor({ timeout: 20_000 });

      // 4. The workflow's input is ciphertext in Temporal; the page shows it decoded, e-mail and all.
      await page.goto(`${uiUrl()}/namespaces/default/workflows/${workflowId}`);
      await page.getByText(email).first().waitFor({ timeout: 20_000 });
      expect(codecCalls.length).toBeGreaterThan(0);
      expect(codecCalls.every((status) => status === 200)).toBe(true);
      await shot(page, 'web-ui-decoded.png');

      // 5. Cancel it from the console.
      await fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}`, { method: 'DELETE' });
      await page.goto(`${apiUrl()}/console`);
      await page.getByLabel('Order id, customer id or tracking number').fill(orderId);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('#order-id', { hasText: orderId }).waitFor();
      await page.getByLabel('Reason (recorded with your name)').fill('customer asked on the phone');
      await page.getByRole('button', { name: 'Cancel order' }).click();
      await page.locator('#order-status', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
      expect(await page.locator('#timeline').innerText()).toContain('Hold released');

      // 6. ... and watch the compensation in the Web UI: the cancelled-order list, then the history's decoded summaries.
      const cancelled = `OrderStatus = "cancelled" AND CustomerId = "${customerId}"`;
      await page.goto(`${uiUrl()}/namespaces/default/workflows?query=${encodeURIComponent(cancelled)}`);
      await page.getByText(workflowId).first().waitFor({ timeout: 20_000 });
      await page.goto(`${uiUrl()}/namespaces/default/workflows/${workflowId}`);
      await page.getByText('Compensate: release the hold').first().waitFor({ timeout: 20_000 });
      await page.getByText('Compensate: void authorization #1').first().waitFor({ timeout: 20_000 });
      await shot(page, 'web-ui-compensation.png');
    } catch (err) {
      // What the browser showed when it failed, for whoever reads the CI artifacts.
      await shot(page, 'web-ui-failure.png');
      throw err;
    }
    await context.close();
  });

  it('decodes nothing for a browser that has not signed in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${uiUrl()}/namespaces/default/workflows`);
    const status = await page.evaluate(async (url) => {
      const res = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [] }) });
      return res.status;
    }, `${apiUrl()}/codec/decode`);
    expect(status).toBe(401);
    await context.close();
  });
});
