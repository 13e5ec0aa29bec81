import { defineEntity, p } from '@mikro-orm/core';

/** Work owed to the world once a transition commits. */
export enum OutboxTopic {
  DECREMENT_STOCK = 'DECREMENT_STOCK',
  REDEEM_COUPONS = 'REDEEM_COUPONS',
  REDEEM_GIFT_CARDS = 'REDEEM_GIFT_CARDS',
  SEND_CONFIRMATION_EMAIL = 'SEND_CONFIRMATION_EMAIL',
  /** Seed 003's export of a ready order: the `order.ready` webhook to the shop's systems. */
  EXPORT_ORDER = 'EXPORT_ORDER',
  /** Void an authorisation that has no order to pay for (invariant 5). */
  VOID_PAYMENT = 'VOID_PAYMENT',
  /** Tell the shop about an order that needs attention (by e-mail). */
  NOTIFY_SHOP = 'NOTIFY_SHOP',
  /** Seed 003's "pending payment" alert to the shop; due PENDING_PAYMENT_ALERT_AFTER after checkout, owed only if still pending then. */
  PENDING_PAYMENT_ALERT = 'PENDING_PAYMENT_ALERT',
  /** Tell the shop's systems about a flag on an order: the `order.flagged` webhook (one row per flag). */
  SHOP_WEBHOOK = 'SHOP_WEBHOOK',
}

export enum OutboxStatus {
  PENDING = 'PENDING',
  DONE = 'DONE',
  /** Gave up after its retries; visible to the back office. */
  FAILED = 'FAILED',
}

/**
 * A side effect written in the transaction that caused it, and delivered at least once by a worker after commit.
 * `dedupKey` (for example `order:<id>:DECREMENT_STOCK`) makes writing the same effect twice impossible (invariant 3).
 */
export const OutboxMessageSchema = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_messages',
  // Workers look for due rows by status and time; the same index serves look-ups by status alone.
  indexes: [{ properties: ['status', 'nextAttemptAt'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    topic: p.enum(() => OutboxTopic),
    dedupKey: p.string().length(150).unique(),
    orderId: p.string().length(36).nullable().index(),
    payload: p.json<Record<string, unknown>>(),
    status: p.enum(() => OutboxStatus),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    lastError: p.text().nullable(),
    /** The worker delivering it now (null when nobody is). */
    leaseOwner: p.string().length(100).nullable(),
    /** Until when the worker may keep it; after that another worker takes it over (the first one crashed). */
    leaseExpiresAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    doneAt: p.datetime().nullable(),
  },
});
export class OutboxMessage extends OutboxMessageSchema.class {}
OutboxMessageSchema.setClass(OutboxMessage);
