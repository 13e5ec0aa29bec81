/**
 * A newcomer's first minutes, as the README tells them: `npm start` with two settings, then the README's "by hand"
 * walkthrough pasted into a shell, which must end in a READY order; start-up says what is not configured; and a
 * shopper coming back from the payment window lands on a page, not a 404.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { bootstrap, type RunningService } from '../../src/app/bootstrap.js';
import { DatabaseKind, loadConfig } from '../../src/config/config.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { freePort } from '../support/test-service.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The settings the README's start command sets, e.g. `ADMIN_API_KEY=… QUICKPAY_PRIVATE_KEY=… npm start`. */
function readmeStartSettings(): Record<string, string> {
  const line = README.split('\n').find((l) => /^[A-Z_]+=\S+ .*npm start$/.test(l.trim()));
  assert.ok(line, 'the README starts the service with its settings on one line ending in `npm start`');
  return Object.fromEntries([...line.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
}

/** The shell block between the walkthrough markers. */
function readmeWalkthrough(): string {
  const block = README.slice(README.indexOf('<!-- walkthrough:start'), README.indexOf('<!-- walkthrough:end'));
  const body = /```sh\n([\s\S]*?)```/.exec(block)?.[1];
  assert.ok(body, 'the README has a walkthrough block');
  return body;
}

/** Starts the service as `npm start` does, with these settings on top of a scratch database and a free port. */
async function startLikeNpmStart(settings: Record<string, string>, logLines: string[]): Promise<{ service: RunningService; scratch: ScratchDatabase }> {
  const scratch = await createScratchDatabase(DatabaseKind.SQLITE, 'first-run');
  const port = await freePort();
  // The mail folder as `npm start` has it (./data/mail), but the test's own.
  const mailDir = mkdtempSync(join(tmpdir(), 'first-run-mail-'));
  const config = loadConfig({ ...settings, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: scratch.config.url, LOG_LEVEL: 'warn', MAIL_DIR: mailDir });
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
  return { service: await bootstrap(config, { logger }), scratch: { ...scratch, drop: async () => (await scratch.drop(), rmSync(mailDir, { recursive: true, force: true })) } };
}

describe('first run, as the README says', () => {
  let service: RunningService;
  let scratch: ScratchDatabase;
  const logLines: string[] = [];
  before(async () => ({ service, scratch } = await startLikeNpmStart(readmeStartSettings(), logLines)));
  after(async () => {
    await service.close();
    await scratch.drop();
  });

  it('the walkthrough, pasted into bash, ends in a READY order', async () => {
    const script = readmeWalkthrough().replace('API=http://localhost:4000', `API=${service.url}`);
    assert.notEqual(script, readmeWalkthrough(), 'the walkthrough names its API address in one place');
    // Asynchronously: the service answering the script runs in this process.
    const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    const answers = run.stdout.trim().split('\n').filter(Boolean);
    assert.ok(answers.every((a) => !a.includes('"errors"')), `no GraphQL errors:\n${run.stdout}`);
    assert.match(answers.find((a) => a.includes('"status":"ACCEPTED"')) ?? '', /accepted/, 'the signed callback is accepted');
    const last = JSON.parse(answers.at(-1)!) as { data: { order: { status: string; paymentStatus: string; readyAt: string | null } } };
    assert.equal(last.data.order.status, 'READY');
    assert.equal(last.data.order.paymentStatus, 'AUTHORIZED');
    assert.ok(last.data.order.readyAt);

    // No SMTP_URL: the order's confirmation is written to the mail folder, as the README says (the workers of
    // `npm start` deliver it within a poll or two).
    const orderId = JSON.parse(answers.find((a) => a.includes('"checkout"'))!).data.checkout.order.id as string;
    const { dir } = service.services.config.mail;
    const confirmation = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`order-${orderId}.confirmation`) && f.endsWith('.eml')) : []);
    for (let i = 0; i < 200 && confirmation().length === 0; i++) await sleep(50);
    assert.equal(confirmation().length, 1, 'the confirmation is in the mail folder');
    assert.match(readFileSync(join(dir, confirmation()[0]), 'utf8'), /^To: ada@example\.com\r$/m);
  });

  it('says at start-up what is not configured yet', () => {
    const warnings = logLines.map((l) => (JSON.parse(l) as { msg: string }).msg).join('\n');
    assert.match(warnings, /QUICKPAY_MERCHANT_ID, QUICKPAY_AGREEMENT_ID, QUICKPAY_API_KEY are not set/);
    assert.match(warnings, /STOREFRONT_RETURN_URL is not set/);
    assert.doesNotMatch(warnings, /ADMIN_API_KEY|QUICKPAY_PRIVATE_KEY/, 'what the README sets is not reported missing');
  });

  it('sends a returning shopper to a placeholder page, not a 404, and echoes nothing unchecked', async () => {
    const order = '9893328e-70a6-49df-a0d5-0d99080d27e3';
    const ok = await fetch(`${service.url}/return?order=${order}&outcome=success`);
    assert.equal(ok.status, 200);
    const page = await ok.text();
    assert.match(page, new RegExp(order));
    assert.match(page, /STOREFRONT_RETURN_URL/);
    const hostile = await (await fetch(`${service.url}/return?order=<script>x</script>&outcome=<img>`)).text();
    assert.doesNotMatch(hostile, /<script>x|<img>/);
  });
});

describe('first run with nothing configured', () => {
  it('starts, and warns about every missing setting', async () => {
    const logLines: string[] = [];
    const { service, scratch } = await startLikeNpmStart({}, logLines);
    try {
      const warnings = logLines.join('\n');
      assert.match(warnings, /QUICKPAY_PRIVATE_KEY is not set: QuickPay is not offered/);
      assert.match(warnings, /No payment gateway is configured: checkout is refused \(GATEWAY_NOT_CONFIGURED\)/);
      for (const missing of ['ADMIN_API_KEY', 'QUICKPAY_PRIVATE_KEY', 'STOREFRONT_RETURN_URL', 'PUBLIC_BASE_URL', 'SHOP_WEBHOOK_URL', 'SMTP_URL', 'SHOP_ADMIN_EMAIL']) {
        assert.match(warnings, new RegExp(`${missing}.*(not set|cannot reach)`), missing);
      }
      assert.equal((await fetch(`${service.url}/health/live`)).status, 200);
    } finally {
      await service.close();
      await scratch.drop();
    }
  });
});
