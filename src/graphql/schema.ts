/** Builds the GraphQL schema from the resolvers (code first); the same schema is emitted to schema/schema.graphql. */
import 'reflect-metadata';
import './enums.js';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CartResolver } from '../modules/cart/cart.resolver.js';
import { ProductResolver } from '../modules/catalogue/product.resolver.js';
import { InboxResolver } from '../modules/inbox/inbox.resolver.js';
import { OrderResolver } from '../modules/order/order.resolver.js';
import { PromotionResolver } from '../modules/promotions/promotion.resolver.js';

export const resolvers = [ProductResolver, PromotionResolver, CartResolver, OrderResolver, InboxResolver] as const;

/**
 * Every subscription brings its own `subscribe` (current state first, then changes from the LiveStatusBus), so
 * type-graphql's own pub/sub is never used; it insists on one, and this one says so loudly if it ever is.
 */
const unusedPubSub = {
  publish(): never {
    throw new Error('publish through the LiveStatusBus, not type-graphql');
  },
  subscribe(): never {
    throw new Error('every subscription supplies its own subscribe function');
  },
};

export async function buildAppSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    pubSub: unusedPubSub,
    // Inputs are checked by the services, which own the rules (class-validator is not used).
    validate: false,
    emitSchemaFile: false,
  });
}
