import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { MoneyScalar } from '../../graphql/money.scalar.js';
import { KeyValue } from '../../graphql/shared.types.js';
import { TransitionSource, TransitionSubject } from '../audit/status-transition.entity.js';
import { PaymentStatus } from '../payment/payment.machine.js';
import { PaymentType } from '../payment/payment.type.js';
import { OrderFlag, OrderLineKind } from './order.entity.js';
import { OrderStatus } from './order.machine.js';

@ObjectType()
export class OrderLineType {
  @Field(() => String)
  sku!: string;

  @Field(() => String)
  name!: string;

  @Field(() => MoneyScalar)
  unitPrice!: number;

  @Field(() => Int)
  quantity!: number;

  @Field(() => MoneyScalar)
  lineTotal!: number;

  @Field(() => OrderLineKind, { description: 'PRODUCT for every line placed at checkout; NOTE for a line the shop added later.' })
  kind!: OrderLineKind;
}

@ObjectType()
export class AppliedGiftCardType {
  @Field(() => String)
  code!: string;

  @Field(() => MoneyScalar)
  amount!: number;
}

@ObjectType({ description: 'One recorded status change: from, to, why, from where, and when.' })
export class StatusTransitionType {
  @Field(() => TransitionSubject)
  subject!: TransitionSubject;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => String, { nullable: true })
  fromStatus?: string | null;

  @Field(() => String)
  toStatus!: string;

  @Field(() => String)
  trigger!: string;

  @Field(() => TransitionSource)
  source!: TransitionSource;

  @Field(() => Int, { nullable: true, description: 'The inbox message that caused it.' })
  inboxMessageId?: number | null;

  @Field(() => String, { nullable: true })
  detail?: string | null;

  @Field(() => Date)
  at!: Date;
}

@ObjectType({ description: 'A placed cart: a frozen snapshot with totals in minor units.' })
export class OrderType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  cartId!: string;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => String, { nullable: true, description: 'The customer\'s e-mail address given at checkout; the confirmation e-mail goes there once the order is ready.' })
  customerEmail?: string | null;

  @Field(() => PaymentStatus, { description: 'The payment\'s status; "pending" on a confirmation page until the gateway confirms.' })
  paymentStatus!: PaymentStatus;

  @Field(() => PaymentType)
  payment!: PaymentType;

  @Field(() => String)
  currency!: string;

  @Field(() => [OrderLineType])
  lines!: OrderLineType[];

  @Field(() => [KeyValue])
  customFields!: KeyValue[];

  @Field(() => [String])
  couponCodes!: string[];

  @Field(() => [AppliedGiftCardType])
  giftCards!: AppliedGiftCardType[];

  @Field(() => MoneyScalar)
  subtotal!: number;

  @Field(() => MoneyScalar)
  discountTotal!: number;

  @Field(() => MoneyScalar)
  giftCardTotal!: number;

  @Field(() => MoneyScalar, { description: 'What the shopper pays at the gateway, before any fee the gateway adds.' })
  total!: number;

  @Field(() => MoneyScalar, { description: "The gateway's fee on the order (seed 003, QuickPay autofee) as the gateway reported it; 0 when none." })
  fee!: number;

  @Field(() => MoneyScalar, { description: 'The total with the fee: what the customer is charged.' })
  totalWithFee!: number;

  @Field(() => [OrderFlag])
  flags!: OrderFlag[];

  @Field(() => Date, { description: 'When the order was placed (approved, not yet ready).' })
  placedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the payment was authorised: the export date.' })
  readyAt?: Date | null;

  @Field(() => Date, { nullable: true })
  cancelledAt?: Date | null;
}

@ObjectType({ description: 'A form field for the payment window.' })
export class FormFieldType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ description: 'Where to send the shopper: post `fields` to `url` (method POST), or follow `url` with them as query (GET).' })
export class PaymentRedirectType {
  @Field(() => String)
  method!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [FormFieldType])
  fields!: FormFieldType[];
}

@ObjectType()
export class CheckoutResultType {
  @Field(() => OrderType)
  order!: OrderType;

  @Field(() => String, { description: 'Bearer token to read and watch this order; give it to the shopper\'s browser only.' })
  accessToken!: string;

  @Field(() => PaymentRedirectType)
  redirect!: PaymentRedirectType;
}

@InputType()
export class CheckoutInputType {
  @Field(() => ID)
  cartId!: string;

  @Field(() => String, { description: 'The code of the payment method to pay with (one of `paymentMethods`).' })
  paymentMethod!: string;

  @Field(() => String, { description: 'One per checkout attempt; repeating the attempt with it returns the same order.' })
  idempotencyKey!: string;

  @Field(() => String, { nullable: true, description: 'Where the shopper returns; {orderId} and {outcome} are filled in. Defaults to STOREFRONT_RETURN_URL.' })
  returnUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'Payment window language (ISO 639-1), default en.' })
  language?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The customer's e-mail address (at most 254 characters, as a browser's type=email field accepts). The order confirmation is sent there once the payment is authorised; without it no confirmation is sent.",
  })
  email?: string | null;
}

@ObjectType()
export class RedirectOutcomeResultType {
  @Field(() => OrderType)
  order!: OrderType;

  @Field(() => Boolean, { description: 'Whether the report changed anything.' })
  applied!: boolean;

  @Field(() => String, { nullable: true, description: 'Why nothing changed.' })
  reason?: string | null;
}

@ObjectType({ description: "A committed change of an order's payment status, as pushed to subscribers." })
export class PaymentStatusUpdateType {
  @Field(() => ID)
  orderId!: string;

  @Field(() => OrderStatus)
  orderStatus!: OrderStatus;

  @Field(() => PaymentStatus)
  paymentStatus!: PaymentStatus;

  @Field(() => Int, { description: 'Strictly increasing per order.' })
  sequence!: number;

  @Field(() => String, { description: 'ISO 8601 time of the change.' })
  changedAt!: string;

  @Field(() => String)
  trigger!: string;

  @Field(() => TransitionSource)
  source!: TransitionSource;

  @Field(() => [OrderFlag])
  flags!: OrderFlag[];
}

