/**
 * The shopper's browser coming back from the gateway. A hint, never proof of payment: success moves the payment
 * to PENDING ("we are waiting for the gateway"), cancel or error cancel the order and reopen its own cart. Never
 * marks an order paid and never creates a cart, whatever it races with (invariants 1 and 4).
 *
 * The one exception is a return the gateway itself signed (Lyra signs the parameters it adds): when its adapter
 * verifies the signature, what it says is the gateway's verified word, applied exactly as a notification would be.
 * A signature that does not verify leaves the report a hint like any other, with the refusal in its audit detail.
 */
import { ForbiddenError, NotFoundError } from '../../errors/app-errors.js';
import { TransitionSource } from '../audit/status-transition.entity.js';
import type { GatewayRegistry } from '../../gateways/gateway-registry.js';
import type { ReturnVerification } from '../../gateways/gateway.js';
import type { PaymentStateService } from '../payment/payment-state.service.js';
import { gatewayPaymentOf, Payment } from '../payment/payment.entity.js';
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
    private readonly gateways: GatewayRegistry,
    private readonly payments: PaymentStateService,
  ) {}

  async report(orderId: string, access: OrderAccess, outcome: RedirectOutcome, params: Record<string, string>): Promise<RedirectOutcomeResult> {
    // The lineage is found by the statement that claims it; the order and its payment are read together.
    const result = await this.transitions.inLineageOf({ orderId }, async (tx) => {
      const { order, payment } = await tx.orderWithPayment();
      // Refused before anything is written; the transaction ends with nothing in it.
      if (!access.mayRead(order)) throw new ForbiddenError('this token does not give access to the order');
      const signed = await this.verifyReturn(payment, params, tx.now);
      if (signed.kind === 'verified') {
        const cause = { trigger: `redirect.signed.${outcome.toLowerCase()}`, source: TransitionSource.GATEWAY_RETURN, detail: signed.event.detail };
        const applied = await this.payments.apply(tx, { order, payment }, signed.event, cause);
        return { order, payment, applied: applied.changed, reason: applied.changed ? null : applied.summary };
      }
      const forged = signed.kind === 'forged' ? `signature refused: ${signed.reason}; ` : '';
      const detail = Object.keys(params).length ? `${forged}params ${JSON.stringify(params).slice(0, 500)}` : null;
      const cause = { trigger: `redirect.${outcome.toLowerCase()}`, source: TransitionSource.SHOPPER_REDIRECT, detail };
      let reason: string | undefined;
      if (outcome === RedirectOutcome.SUCCESS) {
        reason =
          payment.status === PaymentStatus.INITIATED
            ? tx.tryTransitionPayment(order, payment, PaymentStatus.PENDING, { verified: false }, cause)
            : `the payment is already ${payment.status}`;
      } else {
        reason = await cancelOrder(tx, order, payment, cause);
      }
      return { order, payment, applied: reason === undefined, reason: reason ?? null };
    });
    if (result === NO_LINEAGE) throw new NotFoundError('Order', orderId);
    return result;
  }

  /** What the return's parameters prove, by the payment's own gateway (unsigned when it is no longer configured). */
  private async verifyReturn(payment: Payment, params: Record<string, string>, now: Date): Promise<ReturnVerification> {
    if (Object.keys(params).length === 0 || !this.gateways.has(payment.gateway)) return { kind: 'unsigned' };
    const ours = gatewayPaymentOf(payment);
    const verdict = await this.gateways.get(payment.gateway).verifyReturn(params, { now, storedPayment: async (reference) => (reference === ours.reference ? ours : null) });
    if (verdict.kind === 'verified' && verdict.event.reference !== payment.reference) {
      return { kind: 'forged', reason: `it is signed for payment ${verdict.event.reference}, not this order's ${payment.reference}` };
    }
    return verdict;
  }
}
