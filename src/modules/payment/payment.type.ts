import { Field, ID, ObjectType } from 'type-graphql';
import { MoneyScalar } from '../../graphql/money.scalar.js';
import { GatewayName } from '../../gateways/gateway.js';
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
}
