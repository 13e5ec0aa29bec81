import type { OrderStatus } from '../order/order.machine.js';
import type { PaymentStatus } from '../payment/payment.machine.js';
import type { TransitionSource } from '../audit/status-transition.entity.js';
import type { OrderFlag } from '../order/order.entity.js';

/** What subscribers are told after a transaction that touched an order commits: where the order and its payment stand now. */
export interface PaymentStatusChange {
  orderId: string;
  orderStatus: OrderStatus;
  paymentStatus: PaymentStatus;
  /** The order's `statusSequence`: strictly increasing per order, so a late push of an older state can be dropped. */
  sequence: number;
  /** ISO 8601; a string so the change crosses Redis unchanged. */
  changedAt: string;
  trigger: string;
  source: TransitionSource;
  flags: OrderFlag[];
}

/** Receives committed changes. Implemented by the live-status pub/sub. */
export interface StatusChangePublisher {
  publish(change: PaymentStatusChange): void | Promise<void>;
}
