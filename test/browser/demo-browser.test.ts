/**
 * The demo in a real headless browser (Debian's chromium, driven by playwright-core), for seed 003's missing
 * callback: the shopper pays, the simulator drops the callback, and the confirmation page first says what seed 003
 * suggests ("we have received your order but the shop is awaiting some information about the payment…"), then
 * turns to "Payment confirmed" by itself, without a reload, once the reconciler has asked the gateway.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../src/demo/demo.js';

/** Debian's package (`apt-get install chromium`; .ci/run installs it when missing). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the demo in a browser: a dropped callback ends READY on the confirmation page by itself', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let dir: string;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (bash .ci/run does)`);
    dir = mkdtempSync(join(tmpdir(), 'reconciler-browser-'));
    demo = await startDemo({
      DATABASE_URL: join(dir, 'demo.sqlite'),
      PORT: '0',
      SIMULATOR_PORT: '0',
      DEMO_SMTP_PORT: '0',
      LOG_LEVEL: 'silent',
      // The demo's own 5 s, shrunk further: the test need not wait for a person to read the page.
      RECONCILER_SCHEDULE: '1500ms',
    });
    demo.simulator.setDefaultFaults({ drop: true });
    // Flags that keep a headless Chromium from reaching for Google on this closed network.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the pending text, then "Payment confirmed" without a reload', async () => {
    const page = await browser.newPage();
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    await page.goto(demo.urls.storefront);
    await page.click('#add-TEA-SENCHA');
    await page.waitForSelector('#checkout:not([disabled])');
    await page.click('#checkout');
    // The simulated QuickPay payment window; pay with the prefilled test card.
    await page.waitForSelector('#pay-form');
    await page.click('#pay');
    await page.waitForURL(/confirmation\.html/);
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'pending');
    const pending = await page.textContent('#status-message');
    assert.match(pending ?? '', /awaiting some information about the payment/);
    const arrived = navigations;

    // No callback comes (dropped); the reconciler asks the simulator, the subscription pushes READY.
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'ready', undefined, { timeout: 30_000 });
    assert.equal(await page.textContent('#status-title'), 'Payment confirmed');
    assert.equal(navigations, arrived, 'the page was not reloaded');
    assert.equal(await page.textContent('#order-status'), 'READY');
  });
});
