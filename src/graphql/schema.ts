/** Builds the GraphQL schema from the resolvers (code first); the same schema is emitted to schema/schema.graphql. */
import 'reflect-metadata';
import './enums.js';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { guardArguments, type InputLimits } from './input-guard.js';
import { CartResolver } from '../modules/cart/cart.resolver.js';
import { ProductResolver } from '../modules/catalogue/product.resolver.js';
import { InboxResolver } from '../modules/inbox/inbox.resolver.js';
import { OrderResolver } from '../modules/order/order.resolver.js';
import { OutboxResolver } from '../modules/outbox/outbox.resolver.js';
import { PendingPaymentsResolver } from '../modules/reconciler/pending-payments.resolver.js';
import { PromotionResolver } from '../modules/promotions/promotion.resolver.js';
import { PaymentMethodResolver } from '../modules/payment-method/payment-method.resolver.js';
import { PaymentOperationResolver } from '../modules/payment-operation/payment-operation.resolver.js';

export const resolvers = [ProductResolver, PromotionResolver, PaymentMethodResolver, PaymentOperationResolver, CartResolver, OrderResolver, InboxResolver, OutboxResolver, PendingPaymentsResolver] as const;

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

/**
 * Builds the schema. With `inputLimits` (the service always passes them) every argument is checked before its
 * resolver runs (input-guard.ts); without, the schema is the bare one, for printing it or comparing against it.
 */
export async function buildAppSchema(inputLimits?: InputLimits): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    pubSub: unusedPubSub,
    // Inputs are checked by the services, which own the rules (class-validator is not used); what every string
    // and list must satisfy is checked once for all, by guardArguments.
    validate: false,
    emitSchemaFile: false,
  });
  return inputLimits ? guardArguments(schema, inputLimits) : schema;
}
