import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium, as every browser test drives it: no sandbox (the test runs as root), no GPU, and
 * nothing that calls home (QUIC, background networking, component updates, sync).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
