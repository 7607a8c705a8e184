import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUrl, newSku } from '../support/stack';
import { STAFF_TOKEN } from '../support/testPolicy';
import { receive, shippedOrder, waitForReturn } from './support';

describe('returns in the support console, in Chromium at 1400 px', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('staff start a return and cancel another; the shipments table fits its card and the timeline reads as sentences', { timeout: 120_000 }, async () => {
    const east = await newSku({ 'wh-east': 5 }, 'TSHIRT-BLK');
    const west = await newSku({ 'wh-west': 5 }, 'HOODIE-GRY');
    const order = await shippedOrder([
      { sku: east, quantity: 2, unitPriceCents: 2500 },
      { sku: west, quantity: 1, unitPriceCents: 5900 },
    ]);
    const { orderId } = order;
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    const text = async (selector: string) => (await page.locator(selector).innerText()).trim();

    await page.goto(`${apiUrl()}/console#${orderId}`);
    await page.getByLabel('Staff token').fill(STAFF_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who', { hasText: 'Signed in as support-alice' }).waitFor();
    await page.getByLabel('Order id, customer id or tracking number').fill(orderId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#order-id', { hasText: orderId }).waitFor();
    expect(await text('#no-returns')).toBe('No returns.');

    // Staff start a return of one T-shirt (line 1), then another of the hoodie (line 2).
    await page.getByLabel('Line').selectOption('1');
    await page.getByLabel('Quantity').fill('1');
    await page.getByLabel('Return reason').fill('too small');
    await page.getByRole('button', { name: 'Start return' }).click();
    await page.locator('#return-result', { hasText: 'requested' }).waitFor();
    await page.locator('#returns .return-status', { hasText: 'awaiting_receipt' }).waitFor({ timeout: 20_000 });
    await page.getByLabel('Line').selectOption('2');
    await page.getByLabel('Return reason').fill('wrong colour');
    await page.getByRole('button', { name: 'Start return' }).click();
    await expect.poll(async () => page.locator('#returns .return-status', { hasText: 'awaiting_receipt' }).count(), { timeout: 20_000 }).toBe(2);
    const rows = await page.locator('#returns tbody tr').allInnerTexts();
    expect(rows[0]).toContain(`1 × ${east} (line 1)`);
    expect(rows[0]).toContain('(wh-east)');

    // The first is received and refunded; the page follows it.
    const first = (await page.locator('#returns tbody tr').first().locator('td').first().innerText()).trim();
    await receive(first, [{ sku: east, quantity: 1, condition: 'resellable' }]);
    await waitForReturn(orderId, first, ['refunded']);
    await page.locator('#returns .return-status', { hasText: 'refunded' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#returns tbody tr').first().innerText()).toContain('1 resellable, 0 damaged, 0 missing');

    // Staff cancel the second before its receipt.
    await page.getByRole('button', { name: 'Cancel return' }).click();
    await page.locator('#return-result', { hasText: 'cancelled' }).waitFor();
    await page.locator('#returns .return-status', { hasText: 'cancelled' }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'Cancel return' }).count()).toBe(0);

    // The page fits at 1400 px: neither table runs past its card.
    const overflow = await page.evaluate(() => {
      // In the page: the browser's document (the test's tsconfig has no DOM types).
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): { right: number } } } }).document;
      const inner = doc.querySelector('#order').getBoundingClientRect().right;
      return ['#shipments', '#returns', '#timeline'].map((id) => ({ id, over: Math.round(doc.querySelector(id).getBoundingClientRect().right - inner) }));
    });
    for (const { id, over } of overflow) expect(over, `${id} runs ${over} px past its card`).toBeLessThanOrEqual(0);
    // Details read as words: no JSON in the timeline.
    const details = await page.locator('#timeline .detail').allInnerTexts();
    expect(details.length).toBeGreaterThan(5);
    for (const detail of details) expect(detail, detail).not.toMatch(/[{[]"|":/);
    const timeline = await text('#timeline');
    expect(timeline).toContain('Return refunded');
    expect(timeline).toMatch(/picks: \d+ × /);
    expect(timeline).toContain(`shares: ${orderId}-s1 $`);
    expect(problems).toEqual([]);
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: path.join('test-artifacts', 'console-returns.png'), fullPage: true });
    await context.close();
  });
});
