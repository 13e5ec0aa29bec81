import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { ProductInput, ProductType } from './product.type.js';

@Resolver(() => ProductType)
export class ProductResolver {
  @Query(() => [ProductType], { description: 'The catalogue, by SKU.' })
  async products(@Ctx() ctx: GraphQLContext): Promise<ProductType[]> {
    return ctx.services.products.list();
  }

  @Query(() => ProductType)
  async product(@Arg('sku', () => String) sku: string, @Ctx() ctx: GraphQLContext): Promise<ProductType> {
    return ctx.services.products.get(sku);
  }

  @Mutation(() => ProductType, { description: 'Back office: create or update a product.' })
  async upsertProduct(@Arg('input', () => ProductInput) input: ProductInput, @Ctx() ctx: GraphQLContext): Promise<ProductType> {
    ctx.access.requireAdmin();
    return ctx.services.products.upsert(input);
  }
}
