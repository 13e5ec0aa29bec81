import { Field, ID, ObjectType } from 'type-graphql';
import { MoneyScalar } from '../../graphql/money.scalar.js';
import { DrawMethod, GatewayName } from '../../gateways/gateway.js';
import { PaymentStatus } from './payment.machine.js';

@ObjectType({ description: 'One attempt to pay an order at one gateway. Amounts in minor units.' })
export class PaymentType {
  @Field(() => ID)
  id!: string;

  @Field(() => GatewayName)
  gateway!: GatewayName;

  @Field(() => String, { description: "Our reference for the payment at the gateway (QuickPay's order_id)." })
  reference!: string;

  @Field(() => String, { nullable: true })
  gatewayPaymentId?: string | null;

  @Field(() => PaymentStatus)
  status!: PaymentStatus;

  @Field(() => MoneyScalar)
  amount!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => MoneyScalar)
  amountAuthorized!: number;

  @Field(() => MoneyScalar)
  amountCaptured!: number;

  @Field(() => MoneyScalar)
  amountRefunded!: number;

  @Field(() => MoneyScalar, { description: 'Fee the gateway added (QuickPay autofee).' })
  fee!: number;

  @Field(() => Boolean, { description: 'Paid with a test card.' })
  testMode!: boolean;

  // The payment method's terms as they were when the order was placed (the payment keeps them).
  @Field(() => DrawMethod, { description: 'SUBSCRIPTION payments are charged again with chargeSubscription, not captured.' })
  drawMethod!: DrawMethod;

  @Field(() => Boolean, { description: 'Whether a test-card payment may make the order ready and be handled (seed 003).' })
  testCardsAllowed!: boolean;

  @Field(() => Boolean, { description: 'Whether the gateway was allowed to add its fee.' })
  gatewayFeeAllowed!: boolean;

  @Field(() => String, { nullable: true, description: 'The card types or methods the payment window was locked to.' })
  lockedTo?: string | null;
}
