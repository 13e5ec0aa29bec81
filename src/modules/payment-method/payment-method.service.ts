/**
 * The back office's payment methods (seed 003) and the storefront's view of them. A method's gateway can no longer
 * change once an order used it (seed 003's migration advice: make a new method and hide the old one), so the
 * orders placed with it can always be captured, refunded or cancelled where they were paid.
 */
import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityWriter } from '../../db/busy-retry.js';
import type { Em, Orm } from '../../db/orm.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../../errors/app-errors.js';
import type { GatewayRegistry } from '../../gateways/gateway-registry.js';
import { DrawMethod, type GatewayName } from '../../gateways/gateway.js';
import { Payment } from '../payment/payment.entity.js';
import { hasUnstorableCharacters } from '../shared/storable-text.js';
import { PaymentMethod } from './payment-method.entity.js';

const CODE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** Card types and method names as gateways write them: `visa,mobilepay`, `creditcard, !amex`. */
const LOCKED_TO = /^[A-Za-z0-9_!.,\- ]{1,200}$/;
const MAX_NAME = 100;

export interface PaymentMethodInput {
  code: string;
  name: string;
  gateway: GatewayName;
  testCardsAllowed?: boolean | null;
  drawMethod?: DrawMethod | null;
  gatewayFeeAllowed?: boolean | null;
  lockedTo?: string | null;
  visible?: boolean | null;
  position?: number | null;
}

/** A change to a method: the fields given change, the others stay. */
export type PaymentMethodPatch = { [K in keyof Omit<PaymentMethodInput, 'code'>]?: PaymentMethodInput[K] | null };

export class PaymentMethodService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: EntityWriter,
    private readonly gateways: GatewayRegistry,
    /** PESSIMISTIC_WRITE on PostgreSQL (a change of gateway waits for a checkout reading the method); SQLite serialises writers itself. */
    private readonly lockMode: LockMode | undefined,
  ) {}

  async create(input: PaymentMethodInput): Promise<PaymentMethod> {
    checkCode(input.code);
    const values = checked({ testCardsAllowed: false, drawMethod: DrawMethod.AUTHORIZE, gatewayFeeAllowed: false, lockedTo: null, visible: true, position: 0, ...given(input), name: input.name, gateway: input.gateway });
    try {
      return await this.writer.write((em) => em.create(PaymentMethod, { id: randomUUID(), ...values, code: input.code }));
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) throw new ConflictError(`a payment method with code ${input.code} exists already`, { paymentMethod: input.code });
      throw e;
    }
  }

  /** The method with `input.code`, created from `input` if there is none yet (an existing one is left as it is). */
  async ensure(input: PaymentMethodInput): Promise<PaymentMethod> {
    const existing = await this.orm.em.fork().findOne(PaymentMethod, { code: input.code });
    if (existing) return existing;
    try {
      return await this.create(input);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      return this.orm.em.fork().findOneOrFail(PaymentMethod, { code: input.code }); // made meanwhile by another instance
    }
  }

  /** Changes a method. A new gateway is refused once an order used the method (CONFLICT, `reason: METHOD_IN_USE`). */
  async update(code: string, patch: PaymentMethodPatch): Promise<PaymentMethod> {
    return this.writer.run((em) =>
      em.transactional(async (tx) => {
        const method = await tx.findOne(PaymentMethod, { code }, this.lockMode ? { lockMode: this.lockMode } : {});
        if (!method) throw new NotFoundError('PaymentMethod', code);
        const values = checked({ ...method, ...given(patch) });
        if (values.gateway !== method.gateway && (await tx.count(Payment, { paymentMethodId: method.id })) > 0) {
          throw new ConflictError(
            `payment method ${code} has been used by orders, so its gateway stays ${method.gateway} (their payments are there); create a new method for ${values.gateway} and hide this one`,
            { paymentMethod: code, reason: 'METHOD_IN_USE' },
          );
        }
        tx.assign(method, values);
        return method;
      }),
    );
  }

  /** Every method, hidden ones too, as the storefront would order them. */
  async all(): Promise<PaymentMethod[]> {
    return this.orm.em.fork().find(PaymentMethod, {}, { orderBy: { position: 'asc', name: 'asc', code: 'asc' } });
  }

  /** What shoppers are offered: visible methods whose gateway is configured here. */
  async offered(): Promise<PaymentMethod[]> {
    return (await this.all()).filter((m) => m.visible && this.gateways.has(m.gateway));
  }

  /**
   * The method a checkout names, read in the checkout's transaction (on PostgreSQL with a share lock, so a change
   * of its gateway waits for the order to be placed, and then sees it). Refused when unknown, hidden, or on a
   * gateway this service does not speak to.
   */
  async forCheckout(em: Em, code: string): Promise<PaymentMethod> {
    const method = await em.findOne(PaymentMethod, { code }, this.lockMode ? { lockMode: LockMode.PESSIMISTIC_READ } : {});
    if (!method) throw new NotFoundError('PaymentMethod', code);
    if (!method.visible) throw new BadUserInputError(`payment method ${code} is not offered`, { field: 'paymentMethod' });
    this.gateways.get(method.gateway); // GATEWAY_NOT_CONFIGURED when this service does not speak to it
    return method;
  }
}

function checkCode(code: string): void {
  if (!CODE.test(code)) throw new BadUserInputError('code must be 1-40 lower-case letters, digits, dashes or underscores, starting with a letter or digit', { field: 'code' });
}

type MethodValues = Pick<PaymentMethod, 'name' | 'gateway' | 'testCardsAllowed' | 'drawMethod' | 'gatewayFeeAllowed' | 'lockedTo' | 'visible' | 'position'>;

/** The method's values once checked: a name, a lock-in list the gateway can read, a position in range. */
function checked(v: MethodValues): MethodValues {
  const name = v.name.trim();
  if (name === '' || name.length > MAX_NAME || hasUnstorableCharacters(name)) throw new BadUserInputError(`name must be 1-${MAX_NAME} characters`, { field: 'name' });
  const lockedTo = v.lockedTo?.trim() || null;
  if (lockedTo !== null && !LOCKED_TO.test(lockedTo)) {
    throw new BadUserInputError('lockedTo lists card types or methods as the gateway names them, comma-separated (letters, digits, _ ! . - and spaces; at most 200)', { field: 'lockedTo' });
  }
  if (!Number.isSafeInteger(v.position) || Math.abs(v.position) > 1_000_000) throw new BadUserInputError('position must be a whole number from -1000000 to 1000000', { field: 'position' });
  return {
    name,
    gateway: v.gateway,
    testCardsAllowed: v.testCardsAllowed,
    drawMethod: v.drawMethod,
    gatewayFeeAllowed: v.gatewayFeeAllowed,
    lockedTo,
    visible: v.visible,
    position: v.position,
  };
}

/** The fields a GraphQL input gave: absent ones dropped, and null ones too except `lockedTo` (null there clears it). */
function given(input: PaymentMethodPatch): Partial<MethodValues> {
  return Object.fromEntries(Object.entries(input).filter(([k, v]) => v !== undefined && (v !== null || k === 'lockedTo'))) as Partial<MethodValues>;
}
