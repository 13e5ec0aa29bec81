/** The back office's coupons and gift cards. */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityWriter } from '../../db/busy-retry.js';
import type { Em, Orm } from '../../db/orm.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../../errors/app-errors.js';
import { StatusTransition, TransitionSource, TransitionSubject } from '../audit/status-transition.entity.js';
import { checkReason } from '../shared/reason.js';
import { checkMoney, normaliseCurrency } from '../shared/money.js';
import { Coupon, CouponKind } from './coupon.entity.js';
import { GiftCard } from './gift-card.entity.js';

const CODE = /^[A-Za-z0-9_-]{3,64}$/;

export interface CouponInput {
  code: string;
  kind: CouponKind;
  value: number;
  currency?: string | null;
  singleUse?: boolean | null;
}

export interface GiftCardInput {
  code: string;
  currency: string;
  balance: number;
}

export class PromotionService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: EntityWriter,
  ) {}

  async createCoupon(input: CouponInput): Promise<Coupon> {
    checkCode(input.code);
    checkMoney(input.value, 'value', true);
    if (input.kind === CouponKind.PERCENT && input.value > 100) throw new BadUserInputError('a percentage is at most 100', { field: 'value' });
    if (input.kind === CouponKind.AMOUNT && !input.currency) throw new BadUserInputError('an amount coupon needs a currency', { field: 'currency' });
    const currency = input.currency ? normaliseCurrency(input.currency) : null;
    return this.writeNew('coupon', input.code, (em) =>
      em.create(Coupon, { code: input.code, kind: input.kind, value: input.value, currency, singleUse: input.singleUse ?? false, active: true, redemptions: 0 }),
    );
  }

  async createGiftCard(input: GiftCardInput): Promise<GiftCard> {
    checkCode(input.code);
    checkMoney(input.balance, 'balance', true);
    const currency = normaliseCurrency(input.currency);
    return this.writeNew('gift card', input.code, (em) => em.create(GiftCard, { code: input.code, currency, balance: input.balance, lockedByOrderId: null, lockedAmount: 0 }));
  }

  /** Inserts a new code; one that exists already is a CONFLICT. */
  private async writeNew<T>(what: string, code: string, create: (em: Em) => T): Promise<T> {
    try {
      return await this.writer.write(create);
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) throw new ConflictError(`a ${what} with code ${code} exists already`, { promotionCode: code });
      throw e;
    }
  }

  async giftCard(code: string): Promise<GiftCard | null> {
    return this.orm.em.fork().findOne(GiftCard, { code });
  }

  /**
   * Seed 003's gift card manager: releases a card locked to an order that waits for its payment, so other orders
   * may use it; audited with the reason. If the order becomes ready after all, it takes what the card still holds
   * and is flagged GIFT_CARD_SHORT when that is less than it applied.
   */
  async unlockGiftCard(code: string, reason: string): Promise<GiftCard> {
    const why = checkReason(reason);
    return this.writer.write(async (em) => {
      const card = await em.findOne(GiftCard, { code });
      if (!card) throw new NotFoundError('GiftCard', code);
      if (!card.lockedByOrderId) throw new ConflictError(`gift card ${code} is not locked`, { giftCard: code });
      const now = new Date();
      em.create(StatusTransition, {
        subject: TransitionSubject.GIFT_CARD,
        subjectId: code,
        orderId: card.lockedByOrderId,
        fromStatus: 'LOCKED',
        toStatus: 'UNLOCKED',
        trigger: 'gift-card.unlock',
        source: TransitionSource.BACK_OFFICE,
        inboxMessageId: null,
        detail: `${why} (held ${card.lockedAmount} for order ${card.lockedByOrderId})`,
        at: now,
      });
      card.lockedByOrderId = null;
      card.lockedAmount = 0;
      return card;
    });
  }
}

function checkCode(code: string): void {
  if (!CODE.test(code)) throw new BadUserInputError('code must be 3-64 letters, digits, dashes or underscores', { field: 'code' });
}
