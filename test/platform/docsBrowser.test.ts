import { mkdir } from 'node:fs/promises';
import { type Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUrl } from '../support/stack';

describe('/docs in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('renders every operation from this origin alone, with no CSP violation', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(apiUrl()) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${apiUrl()}/docs`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    const document = (await (await fetch(`${apiUrl()}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>>; webhooks?: Record<string, Record<string, unknown>> };
    // Swagger UI renders each operation of `paths` and each webhook payload of `webhooks` as one block.
    const operations = (items: Record<string, Record<string, unknown>>) => Object.values(items).reduce((n, item) => n + Object.keys(item).filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k)).length, 0);
    const documented = operations(document.paths) + operations(document.webhooks ?? {});
    expect(documented).toBeGreaterThanOrEqual(20);
    expect(await page.locator('.opblock').count()).toBe(documented);
    expect(await page.locator('.opblock-summary-path', { hasText: '/inventory' }).count()).toBeGreaterThan(0);
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/api-docs.png', fullPage: false });
    expect(foreign).toEqual([]);
    expect(problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
    await page.close();
  });
});
