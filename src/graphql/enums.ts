/** Registers every domain enum with type-graphql once, under its GraphQL name. */
import { registerEnumType } from 'type-graphql';
import { DrawMethod, GatewayName } from '../gateways/gateway.js';
import { TransitionSource, TransitionSubject } from '../modules/audit/status-transition.entity.js';
import { CartStatus } from '../modules/cart/cart.machine.js';
import { InboxStatus } from '../modules/inbox/inbox-message.entity.js';
import { OrderFlag, OrderLineKind } from '../modules/order/order.entity.js';
import { OutboxStatus, OutboxTopic } from '../modules/outbox/outbox-message.entity.js';
import { OrderStatus } from '../modules/order/order.machine.js';
import { RedirectOutcome } from '../modules/order/redirect-outcome.service.js';
import { PaymentStatus } from '../modules/payment/payment.machine.js';
import { CouponKind } from '../modules/promotions/coupon.entity.js';

registerEnumType(OrderStatus, { name: 'OrderStatus', description: 'Where an order stands: placed and waiting for payment, ready, or cancelled.' });
registerEnumType(PaymentStatus, { name: 'PaymentStatus', description: "Where a payment stands, by the gateway's verified word (PENDING also after the shopper's success redirect)." });
registerEnumType(CartStatus, { name: 'CartStatus' });
registerEnumType(GatewayName, { name: 'Gateway' });
registerEnumType(RedirectOutcome, { name: 'RedirectOutcome', description: "What the shopper's browser reported on return from the gateway." });
registerEnumType(TransitionSource, { name: 'TransitionSource' });
registerEnumType(TransitionSubject, { name: 'TransitionSubject' });
registerEnumType(OrderFlag, { name: 'OrderFlag', description: "Why an order needs the shop's attention." });
registerEnumType(InboxStatus, { name: 'InboxStatus' });
registerEnumType(CouponKind, { name: 'CouponKind' });
registerEnumType(OrderLineKind, { name: 'OrderLineKind', description: 'A product bought, or a note the shop added (seed 003: a coupon another order used first).' });
registerEnumType(OutboxStatus, { name: 'OutboxStatus' });
registerEnumType(OutboxTopic, { name: 'OutboxTopic', description: 'What a side effect does.' });
registerEnumType(DrawMethod, { name: 'DrawMethod', description: 'How a payment method draws the money: one authorisation, or a subscription charged again later (seed 003).' });
