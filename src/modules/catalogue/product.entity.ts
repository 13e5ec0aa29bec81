import { defineEntity, p } from '@mikro-orm/core';

/** A catalogue item. Prices are set here by the back office only; carts refer to products by SKU. */
export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    sku: p.string().length(64).primary(),
    name: p.string().length(200),
    /** Price of one unit, in minor units of `currency`. */
    unitPrice: p.bigint('number'),
    /** ISO 4217 alphabetic code. */
    currency: p.string().length(3),
    stockOnHand: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export class Product extends ProductSchema.class {}
ProductSchema.setClass(Product);
