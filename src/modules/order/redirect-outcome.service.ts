/**
 * The shopper's browser coming back from the gateway. A hint, never proof of payment: success moves the payment
 * to PENDING ("we are waiting for the gateway"), cancel or error cancel the order and reopen its own cart. Never
 * marks an order paid and never creates a cart, whatever it races with (invariants 1 and 4).
 */
import { ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import { Payment } from '../payment/payment.entity.js';
import { PaymentStatus } from '../payment/payment.machine.js';
import { NO_LINEAGE, type TransitionService } from '../transition/transition.service.js';
import { OrderAccess } from '../access/order-access.js';
import { Order } from './order.entity.js';
import { cancelOrder } from './order-lifecycle.js';

export enum RedirectOutcome {
  SUCCESS = 'SUCCESS',
  CANCEL = 'CANCEL',
  ERROR = 'ERROR',
}

export interface RedirectOutcomeResult {
  order: Order;
  payment: Payment;
  /** Whether the report changed anything. */
  applied: boolean;
  /** Why nothing changed, when nothing did. */
  reason: string | null;
}

export class RedirectOutcomeService {
  constructor(
    private readonly transitions: TransitionService,
    private readonly allowTestMode: boolean,
  ) {}

  async report(orderId: string, access: OrderAccess, outcome: RedirectOutcome, params: Record<string, string>): Promise<RedirectOutcomeResult> {
    // The lineage is found by the statement that claims it; the order and its payment are read together.
    const result = await this.transitions.inLineageOf({ orderId }, async (tx) => {
      const { order, payment } = await tx.orderWithPayment();
      // Refused before anything is written; the transaction ends with nothing in it.
      if (!access.mayRead(order)) throw new ForbiddenError('this token does not give access to the order');
      const detail = Object.keys(params).length ? `params ${JSON.stringify(params).slice(0, 500)}` : null;
      const cause = { trigger: `redirect.${outcome.toLowerCase()}`, source: TransitionSource.SHOPPER_REDIRECT, detail };
      let reason: string | undefined;
      if (outcome === RedirectOutcome.SUCCESS) {
        reason =
          payment.status === PaymentStatus.INITIATED
            ? tx.tryTransitionPayment(order, payment, PaymentStatus.PENDING, { verified: false }, cause)
            : `the payment is already ${payment.status}`;
      } else {
        reason = await cancelOrder(tx, order, payment, this.allowTestMode, cause);
      }
      return { order, payment, applied: reason === undefined, reason: reason ?? null };
    });
    if (result === NO_LINEAGE) throw new NotFoundError('Order', orderId);
    return result;
  }
}
