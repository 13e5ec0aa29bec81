/**
 * A child process for the subscription-cleanup test, started with `--expose-gc`: boots the service, opens and
 * closes many subscriptions to one order, and prints how much heap each cycle left behind after a full GC.
 * Usage: node --expose-gc subscription-heap-process.js <warm-up cycles> <measured cycles>
 */
import { checkout, createFilledCart, seedCatalogue } from './shop-fixture.js';
import { eventually, subscriptionCycler } from './subscription-cycles.js';
import { startTestService } from './test-service.js';

const [warmUp, measured] = process.argv.slice(2).map(Number);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('start this process with --expose-gc');

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const svc = await startTestService();
try {
  await seedCatalogue(svc);
  const co = await checkout(svc, await createFilledCart(svc));
  const cycler = subscriptionCycler(svc.url, co.order.id, co.accessToken);
  const settled = () => eventually(() => svc.services.live.listenerCount(co.order.id) === 0);
  await cycler.cycle(warmUp);
  await settled();
  const before = heapAfterGc();
  await cycler.cycle(measured);
  // No change is made to the order: whatever the server still holds now, it would hold until the order changes.
  const released = await settled();
  const after = heapAfterGc();
  await cycler.close();
  console.log(JSON.stringify({ bytesPerCycle: (after - before) / measured, before, after, released, listeners: svc.services.live.listenerCount(co.order.id) }));
} finally {
  await svc.close();
}
