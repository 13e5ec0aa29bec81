/**
 * The reconciler (seed 003's missing callbacks): asks the gateway itself about payments whose order still waits,
 * on a back-off schedule from checkout (RECONCILER_SCHEDULE, the last interval repeating), and applies the answer
 * with the one function that applies the gateway's verified word (PaymentStateService.apply), source RECONCILER.
 * At RECONCILER_GIVE_UP_AFTER it asks once more and only then expires a payment the gateway does not call
 * authorised; a gateway it cannot reach never expires anything (it keeps asking).
 *
 * Several workers may run it at once: a claim moves a due payment's `reconcile_at` forward by a lease in one
 * statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and only the worker whose claim still stands applies what it
 * learned, under the lineage lock. The sweep reads only due payments, through the index on `reconcile_at`.
 */
import type { Logger } from '../../app/logger.js';
import { DatabaseKind, type ReconcilerPolicy } from '../../config/config.js';
import { retryWhileBusy } from '../../db/busy-retry.js';
import type { Orm } from '../../db/orm.js';
import type { GatewayRegistry } from '../../gateways/gateway-registry.js';
import type { PaymentStateEvent } from '../../gateways/gateway.js';
import type { BackgroundJob } from '../../workers/worker-loop.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { Order } from '../order/order.entity.js';
import { OrderStatus } from '../order/order.machine.js';
import type { PaymentStateService } from '../payment/payment-state.service.js';
import { gatewayPaymentOf, Payment } from '../payment/payment.entity.js';
import { holdsMoney } from '../payment/payment.machine.js';
import { storableText } from '../shared/storable-text.js';
import { OperationStatus, PaymentOperation } from '../payment-operation/payment-operation.entity.js';
import type { Cause } from '../transition/lineage-transaction.js';
import type { TransitionService } from '../transition/transition.service.js';

/** What one poll of one payment came to. */
export interface ReconcileResult {
  orderId: string;
  /** What the gateway answered, in words (kept on the payment for the back office). */
  answer: string;
  /** What applying it did, or why nothing was applied. */
  outcome: string;
  /** When it will be asked next; null when it is no longer chased. */
  nextAt: Date | null;
}

/** The gateway's answer to one question about one payment. */
type Asked = { ok: true; event: PaymentStateEvent | null } | { ok: false; error: string };

const ANSWER_KEEP_CHARS = 300;

export class PaymentReconciler implements BackgroundJob {
  readonly name = 'reconciler';

  constructor(
    private readonly orm: Orm,
    private readonly dbKind: DatabaseKind,
    private readonly transitions: TransitionService,
    private readonly payments: PaymentStateService,
    private readonly gateways: GatewayRegistry,
    private readonly policy: ReconcilerPolicy,
    private readonly busyTimeoutMs: number,
    private readonly log: Logger,
  ) {}

  async runOnce(): Promise<number> {
    const claimed = await this.claimDue(new Date());
    for (const { id, until } of claimed) {
      await this.reconcileClaimed(id, until).catch((err: unknown) => this.log.warn({ err, paymentId: id }, 'could not reconcile a payment; it is asked again after its lease'));
    }
    return claimed.length;
  }

  /** Claims up to a batch of payments due to be asked: each one's `reconcile_at` moves to the end of a lease. */
  async claimDue(now: Date): Promise<{ id: string; until: Date }[]> {
    const until = new Date(now.getTime() + this.policy.leaseMs);
    const time = (d: Date) => (this.dbKind === DatabaseKind.SQLITE ? d.getTime() : d);
    const skipLocked = this.dbKind === DatabaseKind.POSTGRESQL ? 'for update skip locked' : '';
    const sql = `update payments set reconcile_at = ?
      where id in (select id from payments where reconcile_at <= ? order by reconcile_at limit ? ${skipLocked})
      returning id`;
    return retryWhileBusy(async () => {
      const rows = await this.orm.em.getConnection().execute<{ id: string }[]>(sql, [time(until), time(now), this.policy.batchSize]);
      return rows.map((r) => ({ id: r.id, until }));
    }, this.busyTimeoutMs);
  }

  /**
   * Asks the gateway about the payment of `orderId` now, whatever its schedule says (the back office's "reconcile
   * now"). Throws NotFound-like errors from the caller's checks only; gateway trouble is part of the result.
   */
  async reconcileNow(paymentId: string): Promise<ReconcileResult> {
    const until = new Date(Date.now() + this.policy.leaseMs);
    await retryWhileBusy(() => this.orm.em.fork().nativeUpdate(Payment, { id: paymentId }, { reconcileAt: until }), this.busyTimeoutMs);
    return this.reconcileClaimed(paymentId, until);
  }

  private async reconcileClaimed(paymentId: string, claimedUntil: Date): Promise<ReconcileResult> {
    const payment = await this.orm.em.fork().findOneOrFail(Payment, { id: paymentId });
    const { cartId } = await this.orm.em.fork().findOneOrFail(Order, { id: payment.orderId }, { fields: ['cartId'] });
    const asked = await this.ask(payment);
    const answer = asked.ok ? (asked.event ? asked.event.detail : 'the gateway does not know this payment (yet)') : `the gateway could not be asked: ${asked.error}`;

    return this.transitions.inLineage(cartId, async (tx) => {
      const current = await tx.em.findOneOrFail(Payment, { id: paymentId });
      const order = await tx.em.findOneOrFail(Order, { id: payment.orderId });
      const now = tx.now;
      const cause: Cause = { trigger: 'reconciler.poll', source: TransitionSource.RECONCILER, inboxMessageId: null, detail: storableText(answer, 500) };
      // The gateway's word is applied whatever happened meanwhile (a redirect cancel racing this poll must not make
      // us drop an authorisation: invariant 5); applying it twice changes nothing the second time.
      let outcome = 'nothing to apply';
      let openOperations: number | undefined;
      if (asked.ok && asked.event) {
        // The gateway's answer lists every operation it did: one of ours it never did, asked long enough ago, failed.
        const unreported = { requestedBefore: new Date(now.getTime() - this.policy.operationSettleAfterMs) };
        const applied = await this.payments.apply(tx, { order, payment: current }, asked.event, cause, unreported);
        outcome = applied.summary;
        openOperations = applied.openOperations;
      }

      // Our own schedule only moves while our claim stands: another worker took over after our lease, or the order
      // was settled (or resolved by hand) meanwhile, and then it is theirs to decide.
      const ours = current.reconcileAt?.getTime() === claimedUntil.getTime();
      const finalAt = new Date(order.placedAt.getTime() + this.policy.giveUpAfterMs);
      if (ours && asked.ok && now >= finalAt && order.status === OrderStatus.PENDING_PAYMENT && !holdsMoney(current)) {
        outcome = (await this.payments.expire(tx, { order, payment: current }, { ...cause, trigger: 'reconciler.expire' })).summary;
      }
      current.reconcileAttempts += 1;
      current.lastReconciledAt = now;
      current.lastReconcileAnswer = storableText(answer, ANSWER_KEEP_CHARS);
      if (ours) {
        // A payment operation whose outcome is still unknown keeps the payment chased, whatever its order's status.
        if (order.status === OrderStatus.PENDING_PAYMENT) current.reconcileAt = this.nextAt(order.placedAt, current.reconcileAttempts, now);
        else {
          // Counted only when the gateway's answer did not go through the ledger (it could not be asked).
          openOperations ??= await tx.em.count(PaymentOperation, { paymentId, status: OperationStatus.REQUESTED });
          current.reconcileAt = openOperations > 0 ? new Date(now.getTime() + this.policy.operationSettleAfterMs) : null;
        }
      }
      return { orderId: order.id, answer, outcome, nextAt: current.reconcileAt ?? null };
    });
  }

  /** The next question after `attempts` of them: the schedule's interval, never past the final question. */
  nextAt(placedAt: Date, attempts: number, now: Date): Date {
    const schedule = this.policy.scheduleMs;
    const interval = schedule[Math.min(attempts, schedule.length - 1)];
    const finalAt = placedAt.getTime() + this.policy.giveUpAfterMs;
    const next = now.getTime() + interval;
    // Before the end: never later than the final question. At or past it (the gateway could not be asked): keep asking.
    return new Date(now.getTime() < finalAt ? Math.min(next, finalAt) : next);
  }

  private async ask(payment: Payment): Promise<Asked> {
    try {
      const gateway = this.gateways.get(payment.gateway);
      return { ok: true, event: await gateway.fetchPaymentStatus(gatewayPaymentOf(payment)) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
