/**
 * Several processes writing one lineage at once, as several service instances would. On SQLite each process has
 * its own connection to the file, and the losers of SQLite's write lock are retried; on PostgreSQL the cart row
 * lock serialises them. Either way no edit is lost and none fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedCatalogue } from '../support/shop-fixture.js';
import { testDatabaseKind } from '../support/test-database.js';
import { startTestService, type TestService } from '../support/test-service.js';

const WRITER = fileURLToPath(new URL('../support/cart-writer-process.js', import.meta.url));
const PROCESSES = 3;
const ADDS_EACH = 60;

function runWriter(databaseUrl: string, cartId: string): Promise<{ code: number | null; failed: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, databaseUrl, cartId, 'TEA-EARL', String(ADDS_EACH)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, failed: out ? (JSON.parse(out) as { failed: number }).failed : -1, stderr }));
  });
}

describe(`several processes on one database (${testDatabaseKind()})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it('lose no edit of one cart and fail none', async () => {
    const cart = await svc.services.carts.create('DKK');
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runWriter(svc.services.config.database.url, cart.id)));
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.failed, 0, r.stderr);
    }
    const after = await svc.services.carts.get(cart.id);
    assert.deepEqual(after.lines, [{ sku: 'TEA-EARL', quantity: PROCESSES * ADDS_EACH }]);
    assert.equal(after.revision, PROCESSES * ADDS_EACH);
  });
});
