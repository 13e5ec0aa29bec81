/** Every entity the ORM knows; one list shared by the service, the migrations and the tests. */
import { ProductSchema } from '../modules/catalogue/product.entity.js';
import { CouponSchema } from '../modules/promotions/coupon.entity.js';
import { GiftCardSchema } from '../modules/promotions/gift-card.entity.js';
import { CartSchema } from '../modules/cart/cart.entity.js';
import { OrderSchema } from '../modules/order/order.entity.js';
import { PaymentSchema } from '../modules/payment/payment.entity.js';
import { PaymentMethodSchema } from '../modules/payment-method/payment-method.entity.js';
import { PaymentOperationSchema } from '../modules/payment-operation/payment-operation.entity.js';
import { StatusTransitionSchema } from '../modules/audit/status-transition.entity.js';
import { InboxMessageSchema } from '../modules/inbox/inbox-message.entity.js';
import { OutboxMessageSchema } from '../modules/outbox/outbox-message.entity.js';
import { HealthProbeSchema } from '../modules/health/health-probe.entity.js';
import { StockMovementSchema } from '../modules/catalogue/stock-movement.entity.js';
import { CouponRedemptionSchema, GiftCardRedemptionSchema } from '../modules/promotions/redemption.entities.js';

export const entities = [
  ProductSchema,
  CouponSchema,
  GiftCardSchema,
  CartSchema,
  OrderSchema,
  PaymentSchema,
  PaymentMethodSchema,
  PaymentOperationSchema,
  StatusTransitionSchema,
  InboxMessageSchema,
  OutboxMessageSchema,
  HealthProbeSchema,
  StockMovementSchema,
  CouponRedemptionSchema,
  GiftCardRedemptionSchema,
];
