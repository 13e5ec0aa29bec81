/** Direct reads of the database, for assertions about what was (and was not) written. */
import { StatusTransition } from '../../src/modules/audit/status-transition.entity.js';
import { Cart } from '../../src/modules/cart/cart.entity.js';
import { InboxMessage } from '../../src/modules/inbox/inbox-message.entity.js';
import { Order } from '../../src/modules/order/order.entity.js';
import { OutboxMessage } from '../../src/modules/outbox/outbox-message.entity.js';
import { Payment } from '../../src/modules/payment/payment.entity.js';
import type { Services } from '../../src/app/services.js';

export function inspect(services: Services) {
  const em = () => services.orm.em.fork();
  return {
    carts: () => em().find(Cart, {}),
    orders: (cartId?: string) => em().find(Order, cartId ? { cartId } : {}, { orderBy: { placedAt: 'asc' } }),
    order: (id: string) => em().findOneOrFail(Order, { id }),
    payment: (orderId: string) => em().findOneOrFail(Payment, { orderId }),
    cart: (id: string) => em().findOneOrFail(Cart, { id }),
    transitions: (orderId?: string) => em().find(StatusTransition, orderId ? { orderId } : {}, { orderBy: { id: 'asc' } }),
    cartTransitions: (cartId: string) => em().find(StatusTransition, { subjectId: cartId }, { orderBy: { id: 'asc' } }),
    inbox: () => em().find(InboxMessage, {}, { orderBy: { id: 'asc' } }),
    outbox: (orderId?: string) => em().find(OutboxMessage, orderId ? { orderId } : {}, { orderBy: { id: 'asc' } }),
  };
}
