import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { MoneyScalar } from '../../graphql/money.scalar.js';

@ObjectType({ description: 'A catalogue item; prices are in minor units of its currency.' })
export class ProductType {
  @Field(() => String)
  sku!: string;

  @Field(() => String)
  name!: string;

  @Field(() => MoneyScalar)
  unitPrice!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => Int)
  stockOnHand!: number;
}

@InputType({ description: 'Creates a product or replaces its name, price and stock (back office).' })
export class ProductInput {
  @Field(() => String)
  sku!: string;

  @Field(() => String)
  name!: string;

  @Field(() => MoneyScalar)
  unitPrice!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => Int)
  stockOnHand!: number;
}
