import { defineEntity, p } from '@mikro-orm/core';

/** What a transition happened to. */
export enum TransitionSubject {
  CART = 'CART',
  ORDER = 'ORDER',
  PAYMENT = 'PAYMENT',
  /** A back-office action on a side effect (an outbox row retried by hand). */
  OUTBOX = 'OUTBOX',
  /** A back-office action on a gift card (unlocked by hand). */
  GIFT_CARD = 'GIFT_CARD',
}

/** Where the message that caused a transition came from (invariant 8). */
export enum TransitionSource {
  STOREFRONT = 'STOREFRONT',
  SHOPPER_REDIRECT = 'SHOPPER_REDIRECT',
  GATEWAY_NOTIFICATION = 'GATEWAY_NOTIFICATION',
  /** The gateway's signed word, carried by the shopper's return (gateways that sign it, e.g. Lyra). */
  GATEWAY_RETURN = 'GATEWAY_RETURN',
  RECONCILER = 'RECONCILER',
  BACK_OFFICE = 'BACK_OFFICE',
  /** A background worker delivering a side effect. */
  WORKER = 'WORKER',
}

/**
 * The audit trail: one row per status change, written in the same transaction as the change by the transition
 * service, the only writer of status columns. `fromStatus` is null for a creation.
 */
export const StatusTransitionSchema = defineEntity({
  name: 'StatusTransition',
  tableName: 'status_transitions',
  properties: {
    id: p.integer().primary().autoincrement(),
    subject: p.enum(() => TransitionSubject),
    subjectId: p.string().length(36),
    orderId: p.string().length(36).nullable().index(),
    fromStatus: p.string().length(32).nullable(),
    toStatus: p.string().length(32),
    trigger: p.string().length(64),
    source: p.enum(() => TransitionSource),
    /** The inbox message that caused it, for gateway notifications. */
    inboxMessageId: p.integer().nullable(),
    detail: p.text().nullable(),
    at: p.datetime(),
  },
});
export class StatusTransition extends StatusTransitionSchema.class {}
StatusTransitionSchema.setClass(StatusTransition);
