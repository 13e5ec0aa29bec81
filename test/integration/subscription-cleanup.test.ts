/**
 * A closed subscription is freed at once, not when its order next changes: many subscribe-and-close cycles over
 * graphql-ws leave no listener on the bus and no memory behind, with no change made to the order.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { eventually, subscriptionCycler } from '../support/subscription-cycles.js';
import { testDatabaseKind } from '../support/test-database.js';
import { startTestService, type TestService } from '../support/test-service.js';

const HEAP_PROCESS = fileURLToPath(new URL('../support/subscription-heap-process.js', import.meta.url));
const CYCLES = 500;
const HEAP_WARM_UP = 200;
const HEAP_CYCLES = 1_500;
/** A leak of the kind this guards against keeps tens of kilobytes per subscription; noise is far below 1 KiB. */
const MAX_BYTES_PER_CYCLE = 2_048;

function runHeapProcess(): Promise<{ bytesPerCycle: number; released: boolean; listeners: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', HEAP_PROCESS, String(HEAP_WARM_UP), String(HEAP_CYCLES)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`heap process exited with ${code}: ${err}`));
      else resolve(JSON.parse(line));
    });
  });
}

describe(`closing subscriptions (${testDatabaseKind()})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
    await seedCatalogue(svc);
  });
  after(() => svc.close());

  it(`leaves no listener on the bus after ${CYCLES} subscribe-and-close cycles, without the order changing`, async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const cycler = subscriptionCycler(svc.url, co.order.id, co.accessToken);
    try {
      await cycler.cycle(CYCLES);
      // The client's `complete` reaches the server asynchronously; give it a moment to be handled, nothing more.
      const released = await eventually(() => svc.services.live.listenerCount(co.order.id) === 0);
      assert.ok(released, `${svc.services.live.listenerCount(co.order.id)} closed subscriptions are still listening`);
      assert.equal(svc.services.live.listenerCount(), 0, 'no listener left on any order');
    } finally {
      await cycler.close();
    }
  });

  it(`keeps no memory per closed subscription (${HEAP_CYCLES} cycles, measured after a full GC)`, async () => {
    const result = await runHeapProcess();
    assert.ok(result.released, `${result.listeners} closed subscriptions are still listening`);
    assert.ok(result.bytesPerCycle < MAX_BYTES_PER_CYCLE, `${Math.round(result.bytesPerCycle)} bytes kept per closed subscription`);
  });
});
