import { defineEntity, p } from '@mikro-orm/core';
import { GatewayName } from '../../gateways/gateway.js';

/** Where a recorded notification stands. */
export enum InboxStatus {
  /**
   * Recorded, not applied: the database cut its apply short (a lock held too long, a lost connection), and the
   * gateway was asked to resend; the resend is applied as new.
   */
  RECEIVED = 'RECEIVED',
  /** Applied through the transition service. */
  PROCESSED = 'PROCESSED',
  /** Verified, but it changed nothing (stale, repeated, or a state we do not act on). */
  IGNORED = 'IGNORED',
  /** Verified, but its payment is not known (yet): the gateway is asked to resend. */
  UNMATCHED = 'UNMATCHED',
  /**
   * Verified, but it can never be applied (a reference that cannot be ours, or an error a resend would only
   * repeat): kept with the reason, its order flagged for the shop, and the gateway told to stop resending.
   */
  FAILED = 'FAILED',
  /** Forged or malformed: recorded for the shop, never applied. */
  REJECTED = 'REJECTED',
}

/**
 * Every notification that reaches the bridge, recorded before it is answered (invariant 7). A verified message's
 * `dedupKey` (gateway + SHA-256 of the raw body) makes a resend of the same message a duplicate.
 */
export const InboxMessageSchema = defineEntity({
  name: 'InboxMessage',
  tableName: 'inbox_messages',
  // The retention sweep deletes old rejected messages by status and age.
  indexes: [{ properties: ['status', 'receivedAt'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    gateway: p.enum(() => GatewayName),
    /** Null for rejected messages: a forgery must never block the real message with the same body. */
    dedupKey: p.string().length(100).nullable().unique(),
    status: p.enum(() => InboxStatus),
    /** The gateway's reference of the payment the message is about, when it could be read. */
    paymentReference: p.string().length(64).nullable().index(),
    remoteAddress: p.string().length(64).nullable(),
    headers: p.json<Record<string, string>>(),
    /**
     * The raw body, byte for byte as received (signatures are over these bytes, whatever their encoding). Of a
     * rejected message only the first INBOX_REJECTED_BODY_KEEP bytes; null when it was too large to read.
     */
    body: p.blob().nullable(),
    /** What became of it: the rejection or ignore reason, or a summary of what it changed. */
    outcome: p.text().nullable(),
    attempts: p.integer().default(0),
    receivedAt: p.datetime(),
    processedAt: p.datetime().nullable(),
  },
});
export class InboxMessage extends InboxMessageSchema.class {}
InboxMessageSchema.setClass(InboxMessage);
