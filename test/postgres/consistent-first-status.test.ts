/**
 * PostgreSQL only: subscribers connecting while the authorise, capture and refund callbacks of one payment commit
 * in parallel. The first message a subscriber gets is read while transitions commit around the read; it must be
 * a state that was committed (never an order from before a commit paired with a payment from after it), and no
 * subscriber's messages may go backwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseKind } from '../../src/config/config.js';
import { OrderAccess } from '../../src/modules/access/order-access.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import type { PaymentStatusChange } from '../../src/modules/transition/status-change.js';
import { paymentResource, postCallback, type QuickPayOp } from '../support/quickpay-callbacks.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { watchPaymentStatus, type StatusUpdate, type StatusWatch } from '../support/subscriptions.js';
import { startTestService, type TestService } from '../support/test-service.js';

const ROUNDS = 30;
/** Subscribers per round: at least this many, more while the callbacks are still being applied. */
const MIN_SUBSCRIBERS = 4;
const MAX_SUBSCRIBERS = 16;
/** A pause between two subscribers connecting (setup pacing, not an assertion). */
const SUBSCRIBER_SPACING_MS = 3;
const PAYMENT_ORDER = ['INITIATED', 'PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED'];

const pair = (u: Pick<StatusUpdate, 'orderStatus' | 'paymentStatus'>) => `${u.orderStatus}/${u.paymentStatus}`;

describe('the first live status is one committed state (PostgreSQL)', () => {
  let svc: TestService;
  /** Every committed state, by order and sequence, as the transition service published it after each commit. */
  const committed = new Map<string, Map<number, string>>();
  before(async () => {
    svc = await startTestService({ databaseKind: DatabaseKind.POSTGRESQL });
    await seedCatalogue(svc);
    const live = svc.services.live;
    const publish = live.publish.bind(live);
    live.publish = (change: PaymentStatusChange) => {
      if (!committed.has(change.orderId)) committed.set(change.orderId, new Map());
      committed.get(change.orderId)!.set(change.sequence, pair(change));
      return publish(change);
    };
  });
  after(() => svc.close());

  it(`holds over ${ROUNDS} rounds of ${MIN_SUBSCRIBERS}-${MAX_SUBSCRIBERS} subscribers racing authorise, capture and refund`, async () => {
    const seen: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const co = await checkout(svc, await createFilledCart(svc));
      const ref = co.order.payment.reference;
      const amount = co.order.total;
      const ops: QuickPayOp[] = [
        { id: 1, type: 'authorize', amount },
        { id: 2, type: 'capture', amount },
        { id: 3, type: 'refund', amount },
      ];
      const watches: StatusWatch[] = [];
      try {
        let answered = false;
        const callbacks = Promise.all([1, 2, 3].map((n) => postCallback(svc.url, paymentResource(ref, ops.slice(0, n)), { freshConnection: true }))).finally(
          () => (answered = true),
        );
        // Subscribers keep connecting while the callbacks are applied, so their first reads land between commits.
        while (watches.length < MAX_SUBSCRIBERS && (!answered || watches.length < MIN_SUBSCRIBERS)) {
          watches.push(watchPaymentStatus(svc.url, co.order.id, co.accessToken));
          await sleep(SUBSCRIBER_SPACING_MS);
        }
        const answers = await callbacks;
        assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);

        const final = await svc.services.orderQueries.currentStatus(co.order.id, OrderAccess.fromAuthorization(co.accessToken, undefined));
        const history = committed.get(co.order.id)!;
        assert.equal(final.paymentStatus, 'REFUNDED', 'the newest message wins whatever order they were applied in');
        assert.ok(final.flags.includes(OrderFlag.PAYMENT_REFUNDED), 'and the shop is told the money went back');
        // Applied first, the authorisation made the order ready; a full refund applied first never does.
        const everReady = [...history.values()].some((p) => p.startsWith('READY/'));
        assert.equal(final.orderStatus, everReady ? 'READY' : 'CANCELLED', `committed ${[...history].map(([q, p]) => `${q}:${p}`).join(' ')}`);
        for (const [w, watch] of watches.entries()) {
          const updates = await watch.until((u) => u.at(-1)?.sequence === final.sequence);
          const where = `round ${round}, subscriber ${w}: ${updates.map((u) => `${u.sequence}:${pair(u)}`).join(' ')}; committed ${[...history].map(([s, p]) => `${s}:${p}`).join(' ')}`;
          seen.push(pair(updates[0]));
          for (let i = 1; i < updates.length; i++) {
            assert.ok(updates[i].sequence > updates[i - 1].sequence, `sequence must strictly increase (${where})`);
            assert.ok(
              PAYMENT_ORDER.indexOf(updates[i].paymentStatus) >= PAYMENT_ORDER.indexOf(updates[i - 1].paymentStatus),
              `payment status must not move backwards (${where})`,
            );
            assert.ok(!(updates[i - 1].orderStatus === 'READY' && updates[i].orderStatus !== 'READY'), `a ready order stays ready (${where})`);
          }
          for (const u of updates) {
            assert.equal(pair(u), history.get(u.sequence), `every message is the committed state of its sequence (${where})`);
          }
        }
      } finally {
        await Promise.all(watches.map((w) => w.close()));
      }
    }
    // The race really happened: some subscribers connected before the callbacks committed, some after.
    assert.ok(seen.includes('PENDING_PAYMENT/INITIATED'), `first messages: ${[...new Set(seen)].join(', ')}`);
    assert.ok(seen.some((p) => p.startsWith('READY/')), `first messages: ${[...new Set(seen)].join(', ')}`);
  });
});
