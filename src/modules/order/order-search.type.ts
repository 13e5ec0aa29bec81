import { Field, InputType, ObjectType } from 'type-graphql';
import { PaymentStatus } from '../payment/payment.machine.js';
import { OrderFlag } from './order.entity.js';
import { OrderStatus } from './order.machine.js';
import { OrderType } from './order.type.js';

@InputType({ description: 'A window of time [from, to): an order at exactly `to` belongs to the next window.' })
export class DateRangeInput {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;
}

@InputType({ description: 'Which orders: every condition given must hold.' })
export class OrderFilterInput {
  @Field(() => OrderStatus, { nullable: true })
  status?: OrderStatus | null;

  @Field(() => PaymentStatus, { nullable: true })
  paymentStatus?: PaymentStatus | null;

  @Field(() => OrderFlag, { nullable: true, description: 'Orders that carry this flag.' })
  flag?: OrderFlag | null;

  @Field(() => DateRangeInput, { nullable: true, description: 'Placed (seed 003: approved, the export `<date>`) in this window.' })
  placedBetween?: DateRangeInput | null;

  @Field(() => DateRangeInput, {
    nullable: true,
    description: 'Became ready (the export `<dateReady>`) in this window; the orders then come by readyAt, then id, oldest first.',
  })
  readyBetween?: DateRangeInput | null;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page (with the same filter).' })
  endCursor?: string | null;
}

@ObjectType()
export class OrderEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => OrderType)
  node!: OrderType;
}

@ObjectType({ description: 'One page of orders.' })
export class OrderConnection {
  @Field(() => [OrderEdge])
  edges!: OrderEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
