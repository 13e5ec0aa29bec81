import { Field, ID, Int, ObjectType } from 'type-graphql';
import { KeyValue } from '../../graphql/shared.types.js';
import { CartStatus } from './cart.machine.js';

@ObjectType()
export class CartLineType {
  @Field(() => String)
  sku!: string;

  @Field(() => Int)
  quantity!: number;
}

@ObjectType({ description: "The shopper's basket. Its id is the capability to edit it: keep it private to the shopper." })
export class CartType {
  @Field(() => ID)
  id!: string;

  @Field(() => CartStatus)
  status!: CartStatus;

  @Field(() => String)
  currency!: string;

  @Field(() => [CartLineType])
  lines!: CartLineType[];

  @Field(() => [KeyValue])
  customFields!: KeyValue[];

  @Field(() => [String])
  couponCodes!: string[];

  @Field(() => [String])
  giftCardCodes!: string[];

  @Field(() => Int, { description: 'Bumped by every edit of the contents.' })
  revision!: number;

  @Field(() => ID, { nullable: true, description: 'The order most recently placed from this cart.' })
  currentOrderId?: string | null;
}
