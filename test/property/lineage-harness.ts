/**
 * The property tests' world: one cart lineage driven through the real services (transition service, inbox with
 * real QuickPay signatures, redirect and checkout services) by generated commands, beside a small model of what
 * the shopper and the gateway did. After a run, `checkInvariants` compares the database with the model.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Services } from '../../src/app/services.js';
import { GatewayRegistry } from '../../src/gateways/gateway-registry.js';
import { GatewayApiError, GatewayName, NotificationOutcome, OperationKind, type GatewayPayment, type OperationRequest, type PaymentGateway, type PaymentStateEvent } from '../../src/gateways/gateway.js';
import { OperationRequester, OperationStatus, PaymentOperation } from '../../src/modules/payment-operation/payment-operation.entity.js';
import { PaymentOperationService } from '../../src/modules/payment-operation/payment-operations.service.js';
import { ledgerTotals } from '../../src/modules/payment-operation/operation-ledger.js';
import { Payment } from '../../src/modules/payment/payment.entity.js';
import { PaymentReconciler } from '../../src/modules/reconciler/reconciler.js';
import { toPaymentStateEvent, QuickPayPaymentSchema } from '../../src/gateways/quickpay/quickpay.payment.js';
import { signCallbackBody } from '../../src/gateways/quickpay/quickpay.signing.js';
import { OrderAccess } from '../../src/modules/access/order-access.js';
import { TransitionSource, TransitionSubject } from '../../src/modules/audit/status-transition.entity.js';
import { cartMachine, CartStatus } from '../../src/modules/cart/cart.machine.js';
import { InboxStatus } from '../../src/modules/inbox/inbox-message.entity.js';
import { OrderFlag } from '../../src/modules/order/order.entity.js';
import { orderMachine, OrderStatus } from '../../src/modules/order/order.machine.js';
import { RedirectOutcome } from '../../src/modules/order/redirect-outcome.service.js';
import { holdsMoney, PAID_STATUSES, paymentMachine, PaymentStatus } from '../../src/modules/payment/payment.machine.js';
import { OutboxMessage, OutboxStatus, OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import { CouponKind } from '../../src/modules/promotions/coupon.entity.js';
import { GiftCard } from '../../src/modules/promotions/gift-card.entity.js';
import { CouponRedemption, GiftCardRedemption } from '../../src/modules/promotions/redemption.entities.js';
import { ErrorCode, isAppError } from '../../src/errors/app-errors.js';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, type QuickPayOp } from '../support/quickpay-callbacks.js';
import { TEST_KEYS } from '../support/test-service.js';
import { drain, outboxWorker } from '../support/outbox-worker.js';
import { inDatabaseHandlers } from '../../src/modules/outbox/outbox-handlers.js';
import { mailHandlers } from '../../src/modules/outbox/mail-handlers.js';
import type { TestSmtpServer } from '../support/test-smtp-server.js';
import { StockMovement } from '../../src/modules/catalogue/stock-movement.entity.js';

export const PRODUCTS = [
  { sku: 'P-ALPHA', name: 'Alpha', unitPrice: 1000, currency: 'DKK', stockOnHand: 1000 },
  { sku: 'P-BETA', name: 'Beta', unitPrice: 2550, currency: 'DKK', stockOnHand: 1000 },
  { sku: 'P-GAMMA', name: 'Gamma', unitPrice: 99, currency: 'DKK', stockOnHand: 1000 },
];

type GatewayAction = 'authorizePending' | 'authorize' | 'authorizeWrongAmount' | 'refuse' | 'expire' | 'capture' | 'refund' | 'void';

/** One thing that happens to the lineage. `target` picks an order: 0 the latest, n the nth before it. */
export type Command =
  | { kind: 'redirect'; outcome: RedirectOutcome; target: number }
  | { kind: 'gateway'; action: GatewayAction; target: number }
  | { kind: 'deliver'; target: number; message: 'latest' | 'any'; pick: number; copies: number }
  | { kind: 'editLine'; sku: string; quantity: number }
  | { kind: 'editField'; key: string; value: string }
  /** `email`: the customer gives an address (the order then owes a confirmation once it is ready). */
  | { kind: 'checkout'; retrySameKey: boolean; email: boolean }
  /**
   * The reconciler asks the gateway about one payment (the gateway answers with where the payment stands now);
   * `final`: the last question of the schedule, after which a payment the gateway does not call authorised expires.
   */
  | { kind: 'reconcile'; target: number; final: boolean }
  /** A worker delivers what is owed (modelledEffects: stock, coupons, gift cards, e-mails); `twice`: two workers at once. */
  | { kind: 'deliverEffects'; twice: boolean }
  /**
   * A delivered effect inside the database is owed again, as when a worker's lease ran out while it worked and
   * another took the row over: the repeat must change nothing. `pick` chooses among the lineage's delivered rows.
   */
  | { kind: 'redeliverEffect'; pick: number }
  /** The shopper applies or removes the lineage's single-use coupon or its gift card. */
  | { kind: 'promotion'; what: 'coupon' | 'giftCard'; apply: boolean }
  /** The back office asks for an operation (key: a few per order, so repeats happen); `lose`: its answer is lost. */
  | { kind: 'backOffice'; op: BackOfficeOp; part: boolean; key: number; lose: boolean; target: number }
  | { kind: 'together'; commands: Command[] };

type BackOfficeOp = 'capture' | 'refund' | 'cancel';
const backOffice: fc.Arbitrary<Command> = fc.record({
  kind: fc.constant('backOffice' as const),
  op: fc.constantFrom<BackOfficeOp>('capture', 'capture', 'refund', 'cancel'),
  part: fc.boolean(),
  key: fc.nat({ max: 3 }),
  lose: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
  target: fc.constant(0),
});

// Mostly the current order, so multi-step stories about one payment come up often; sometimes an older one.
const target = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat({ max: 2 }), weight: 1 });
const racing: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('redirect' as const), outcome: fc.constantFrom(...Object.values(RedirectOutcome)), target }),
  fc.record({ kind: fc.constant('deliver' as const), target, message: fc.constantFrom('latest' as const, 'any' as const), pick: fc.nat(), copies: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('deliverEffects' as const), twice: fc.boolean() }),
  fc.record({ kind: fc.constant('reconcile' as const), target, final: fc.boolean() }),
  fc.record({ kind: fc.constant('redeliverEffect' as const), pick: fc.nat() }),
  backOffice,
);
const single: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: racing, weight: 6 },
  {
    arbitrary: fc.record({
      kind: fc.constant('gateway' as const),
      action: fc.constantFrom<GatewayAction>('authorizePending', 'authorize', 'authorize', 'authorizeWrongAmount', 'refuse', 'expire', 'capture', 'refund', 'void'),
      target,
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('editLine' as const), sku: fc.constantFrom(...PRODUCTS.map((p) => p.sku)), quantity: fc.integer({ min: 0, max: 4 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('editField' as const), key: fc.constantFrom('giftNote', 'deliveryWindow', 'vatId'), value: fc.string({ maxLength: 12 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('checkout' as const), retrySameKey: fc.boolean(), email: fc.boolean() }), weight: 2 },
  { arbitrary: backOffice, weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('promotion' as const), what: fc.constantFrom('coupon' as const, 'giftCard' as const), apply: fc.boolean() }), weight: 1 },
);

/** One payment's story at the gateway, then its messages delivered in any order, any number of times, or never. */
export const gatewayStoryArb: fc.Arbitrary<Command[]> = fc
  .tuple(
    fc.array(fc.constantFrom<GatewayAction>('authorizePending', 'authorize', 'authorizeWrongAmount', 'refuse', 'expire', 'capture', 'refund', 'void'), { minLength: 1, maxLength: 7 }),
    fc.array(fc.record({ pick: fc.nat(), copies: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 10 }),
  )
  .map(([actions, deliveries]) => [
    ...actions.map((action): Command => ({ kind: 'gateway', action, target: 0 })),
    ...deliveries.map(({ pick, copies }): Command => ({ kind: 'deliver', target: 0, message: 'any', pick, copies })),
  ]);

/** Sequences of commands; racing commands (redirects, deliveries) also come in groups run at the same time. */
export const commandsArb: fc.Arbitrary<Command[]> = fc.array(
  fc.oneof({ arbitrary: single, weight: 4 }, { arbitrary: fc.record({ kind: fc.constant('together' as const), commands: fc.array(racing, { minLength: 2, maxLength: 4 }) }), weight: 1 }),
  { minLength: 3, maxLength: 22 },
);

interface GatewayMessage {
  body: string;
  sequence: number;
  status: PaymentStatus;
  amountAuthorized: number;
  amountCaptured: number;
}

interface ModelOrder {
  id: string;
  token: string;
  reference: string;
  total: number;
  /** The address given at checkout, if any. */
  email: string | null;
  /** What the cart held when this order was placed. */
  snapshot: { lines: { sku: string; quantity: number }[]; fields: Record<string, string>; coupons: string[]; giftCards: string[] };
  ops: QuickPayOp[];
  messages: GatewayMessage[];
  delivered: Set<number>;
  /** Messages (by index) the reconciler heard as the gateway's answer: the latest one when it asked. */
  polled: Set<number>;
  /** Messages (by index) the gateway answered a back-office operation with (or a status fetch after a refusal). */
  answered: Set<number>;
  /** How often the gateway was asked for an operation, by idempotency key. */
  gatewayCalls: Map<string, number>;
  /**
   * Set when the reconciler expired the payment: the index of the gateway's newest message then (-1: none). Only
   * a newer message that is no longer pending moves the payment on (the machine has no way back to PENDING).
   */
  expiredAfter: number | null;
  successRedirects: number;
}

/** What a lineage's gift card holds when it is issued, in minor units: less than most carts, more than some. */
export const GIFT_CARD_BALANCE = 500;

export class Lineage {
  readonly orders: ModelOrder[] = [];
  lines: { sku: string; quantity: number }[] = [{ sku: 'P-ALPHA', quantity: 2 }, { sku: 'P-BETA', quantity: 1 }];
  fields: Record<string, string> = { giftNote: 'Til lykke', deliveryWindow: 'evening' };
  /** The lineage's own single-use coupon and gift card, and which of them the cart holds. */
  readonly couponCode = `LINEAGE-${Math.random().toString(36).slice(2, 10)}`;
  readonly giftCardCode = `GIFT-${Math.random().toString(36).slice(2, 10)}`;
  coupons: string[] = [];
  giftCards: string[] = [];
  cartId = '';
  private keys = 0;
  private readonly gatewayPaymentId = 700_000 + Math.floor(Math.random() * 1_000_000);
  /** Every answer the inbox gave. */
  readonly answers: NotificationOutcome[] = [];

  constructor(readonly services: Services) {}

  async start(): Promise<void> {
    const cart = await this.services.carts.create('DKK');
    this.cartId = cart.id;
    for (const l of this.lines) await this.services.carts.setLine(cart.id, l.sku, l.quantity);
    for (const [k, v] of Object.entries(this.fields)) await this.services.carts.setCustomField(cart.id, k, v);
    await this.services.promotions.createCoupon({ code: this.couponCode, kind: CouponKind.PERCENT, value: 10, singleUse: true });
    await this.services.promotions.createGiftCard({ code: this.giftCardCode, currency: 'DKK', balance: GIFT_CARD_BALANCE });
    await this.run({ kind: 'promotion', what: 'coupon', apply: true });
    await this.run({ kind: 'promotion', what: 'giftCard', apply: true });
    await this.run({ kind: 'checkout', retrySameKey: false, email: true });
  }

  /** `alone`: no other command runs at the same time (so what one command did can be judged right after it). */
  async run(cmd: Command, alone = true): Promise<void> {
    switch (cmd.kind) {
      case 'together': {
        const results = await Promise.allSettled(cmd.commands.map((c) => this.run(c, false)));
        for (const r of results) if (r.status === 'rejected') throw r.reason;
        return;
      }
      case 'redirect': {
        const o = this.pick(cmd.target);
        if (cmd.outcome === RedirectOutcome.SUCCESS) o.successRedirects++;
        await this.services.redirects.report(o.id, OrderAccess.fromAuthorization(`Bearer ${o.token}`, undefined), cmd.outcome, { from: 'property-test' });
        return;
      }
      case 'gateway':
        return this.gatewayAct(this.pick(cmd.target), cmd.action);
      case 'backOffice': {
        const o = this.pick(cmd.target);
        const idempotencyKey = `${cmd.op}-${cmd.key}`;
        const money = this.money(o);
        const remaining = cmd.op === 'capture' ? money.authorised - money.captured : money.captured - money.refunded;
        const amount = cmd.op === 'cancel' || !cmd.part || remaining < 2 ? null : Math.floor(remaining / 2);
        this.loseAnswers.set(`${o.id}:${idempotencyKey}`, cmd.lose);
        const kind = { capture: OperationKind.CAPTURE, refund: OperationKind.REFUND, cancel: OperationKind.CANCEL }[cmd.op];
        // Refused by the rules (not authorised here yet, nothing remains, a key used for another amount) is fine.
        return this.expectingRefusal(async () => void (await this.operations.request({ orderId: o.id, kind, amount, idempotencyKey, reason: null, requestedBy: OperationRequester.BACK_OFFICE })));
      }
      case 'reconcile': {
        const o = this.pick(cmd.target);
        const latest = o.messages.length - 1;
        if (latest >= 0) o.polled.add(latest);
        const answer = latest >= 0 ? toPaymentStateEvent(QuickPayPaymentSchema.parse(JSON.parse(o.messages[latest].body))) : null;
        const payment = await this.services.orm.em.fork().findOneOrFail(Payment, { orderId: o.id });
        const result = await this.reconcilerAnswering(answer, cmd.final).reconcileNow(payment.id);
        if (/^payment expired/.test(result.outcome)) {
          assert.ok(cmd.final, 'only the final question expires a payment');
          assert.ok(!answer || !PAID_STATUSES.has(answer.status), `expired a payment the gateway calls ${answer?.status}`);
          o.expiredAfter = Math.max(o.expiredAfter ?? -1, latest);
        }
        if (cmd.final && alone) {
          // After the last question an order waits no longer, unless money is held for it (then it is flagged).
          const db = inspect(this.services);
          const [order, settled] = await Promise.all([db.order(o.id), db.payment(o.id)]);
          if (order.status === OrderStatus.PENDING_PAYMENT) assert.ok(holdsMoney(settled) && order.flags.length > 0, `order ${o.id} still waits after the final question (payment ${settled.status})`);
        }
        return;
      }
      case 'deliverEffects':
        await Promise.all(Array.from({ length: cmd.twice ? 2 : 1 }, () => drain(outboxWorker(this, {}, modelledEffects(this.services)))));
        return;
      case 'redeliverEffect': {
        const done = await this.services.orm.em.fork().find(
          OutboxMessage,
          { orderId: { $in: this.orders.map((o) => o.id) }, topic: { $in: [...inDatabaseHandlers().keys()] }, status: OutboxStatus.DONE },
          { orderBy: { id: 'asc' } },
        );
        if (done.length === 0) return;
        const row = done[cmd.pick % done.length];
        await this.services.orm.em.fork().nativeUpdate(OutboxMessage, { id: row.id }, { status: OutboxStatus.PENDING, nextAttemptAt: new Date(0), doneAt: null, leaseOwner: null, leaseExpiresAt: null });
        return;
      }
      case 'promotion':
        return this.expectingRefusal(async () => {
          const { carts } = this.services;
          if (cmd.what === 'coupon') {
            await (cmd.apply ? carts.applyCoupon(this.cartId, this.couponCode) : carts.removeCoupon(this.cartId, this.couponCode));
            this.coupons = cmd.apply ? [this.couponCode] : [];
          } else {
            await (cmd.apply ? carts.applyGiftCard(this.cartId, this.giftCardCode) : carts.removeGiftCard(this.cartId, this.giftCardCode));
            this.giftCards = cmd.apply ? [this.giftCardCode] : [];
          }
        });
      case 'deliver': {
        const o = this.pick(cmd.target);
        if (o.messages.length === 0) return;
        const index = cmd.message === 'latest' ? o.messages.length - 1 : cmd.pick % o.messages.length;
        o.delivered.add(index);
        const body = Buffer.from(o.messages[index].body);
        const headers = { 'content-type': 'application/json', 'quickpay-checksum-sha256': signCallbackBody(body, TEST_KEYS.privateKey) };
        const gateway = this.services.gateways.get(GatewayName.QUICKPAY);
        const receipts = await Promise.all(Array.from({ length: cmd.copies }, () => this.services.inbox.receive({ gateway, rawBody: body, headers, remoteAddress: '127.0.0.1' })));
        this.answers.push(...receipts.map((r) => r.outcome));
        return;
      }
      case 'editLine':
        return this.expectingRefusal(async () => {
          await this.services.carts.setLine(this.cartId, cmd.sku, cmd.quantity);
          const rest = this.lines.filter((l) => l.sku !== cmd.sku);
          const at = this.lines.findIndex((l) => l.sku === cmd.sku);
          if (cmd.quantity > 0) rest.splice(at < 0 ? rest.length : at, 0, { sku: cmd.sku, quantity: cmd.quantity });
          this.lines = rest;
        });
      case 'editField':
        return this.expectingRefusal(async () => {
          await this.services.carts.setCustomField(this.cartId, cmd.key, cmd.value);
          const next = { ...this.fields };
          if (cmd.value === '') delete next[cmd.key];
          else next[cmd.key] = cmd.value;
          this.fields = next;
        });
      case 'checkout':
        return this.expectingRefusal(async () => {
          const key = cmd.retrySameKey && this.keys > 0 ? `lineage-key-${this.keys}` : `lineage-key-${++this.keys}`;
          const email = cmd.email ? `shopper-${this.keys}@example.com` : null;
          const result = await this.services.checkout.checkout({ cartId: this.cartId, paymentMethod: 'card', idempotencyKey: key, email });
          const known = this.orders.find((o) => o.id === result.order.id);
          if (known) {
            assert.equal(result.accessToken, known.token, 'an idempotent repeat hands back the same token');
            return;
          }
          this.orders.push({
            id: result.order.id,
            token: result.accessToken,
            reference: result.payment.reference,
            total: result.order.total,
            email,
            snapshot: { lines: this.lines.map((l) => ({ ...l })), fields: { ...this.fields }, coupons: [...this.coupons], giftCards: [...this.giftCards] },
            ops: [],
            messages: [],
            delivered: new Set(),
            polled: new Set(),
            answered: new Set(),
            gatewayCalls: new Map(),
            expiredAfter: null,
            successRedirects: 0,
          });
        });
    }
  }

  /**
   * The gateway's side: QuickPay's rules for which operation may follow which. An authorisation may first be
   * pending (3-D Secure) and then settle in place: the same operation id, so the same sequence, a new message.
   */
  private gatewayAct(o: ModelOrder, action: GatewayAction): void {
    const approved = (type: string) => o.ops.some((op) => op.type === type && op.qp_status_code === '20000' && !op.pending);
    const last = o.ops.at(-1);
    const settling = last?.type === 'authorize' && last.pending ? last : undefined;
    const nextId = o.ops.length + 1;
    const money = this.money(o);
    const authorize = (amount: number, code: string): QuickPayOp =>
      settling ? Object.assign(settling, { pending: false, amount, qp_status_code: code }) : { id: nextId, type: 'authorize', amount, qp_status_code: code };
    let op: QuickPayOp | undefined;
    if (action === 'authorizePending' && !approved('authorize') && !settling) {
      op = { id: nextId, type: 'authorize', amount: o.total, pending: true, qp_status_code: null };
    } else if ((action === 'authorize' || action === 'authorizeWrongAmount') && !approved('authorize')) {
      op = authorize(action === 'authorize' ? o.total : o.total + 100, '20000');
    } else if (action === 'refuse' && !approved('authorize')) {
      op = authorize(o.total, '40000');
    } else if (action === 'expire' && !approved('authorize')) {
      // QuickPay 40002: the authorisation expired. A later approved authorisation of the same payment still wins.
      op = authorize(o.total, '40002');
    } else if (action === 'capture' && approved('authorize') && !approved('cancel') && money.authorised > money.captured) {
      // Done in QuickPay's own back office: all that remains.
      op = { id: nextId, type: 'capture', amount: money.authorised - money.captured, qp_status_code: '20000' };
    } else if (action === 'refund' && money.captured > money.refunded) {
      op = { id: nextId, type: 'refund', amount: money.captured - money.refunded, qp_status_code: '20000' };
    } else if (action === 'void' && approved('authorize') && !approved('capture') && !approved('cancel')) {
      op = { id: nextId, type: 'cancel', amount: 0, qp_status_code: '20000' };
    }
    if (!op) return;
    if (op !== settling) o.ops.push(op);
    this.snapshot(o);
  }

  /** The money of the model's payment so far: approved, settled operations only (QuickPay's bookkeeping). */
  private money(o: ModelOrder): { authorised: number; captured: number; refunded: number; cancelled: boolean } {
    const ok = o.ops.filter((op) => op.qp_status_code === '20000' && !op.pending);
    const sum = (type: string) => ok.filter((op) => op.type === type).reduce((t, op) => t + (op.amount ?? 0), 0);
    const auth = [...ok].reverse().find((op) => op.type === 'authorize');
    return { authorised: auth?.amount ?? 0, captured: sum('capture'), refunded: sum('refund'), cancelled: ok.some((op) => op.type === 'cancel') };
  }

  /** Appends the payment's current resource as a new message (what a callback or the API would carry). */
  private snapshot(o: ModelOrder): number {
    const body = paymentResource(o.reference, o.ops, { gatewayPaymentId: this.gatewayPaymentId + this.orders.indexOf(o) });
    const event = toPaymentStateEvent(QuickPayPaymentSchema.parse(JSON.parse(body)))!;
    o.messages.push({ body, sequence: event.sequence, status: event.status, amountAuthorized: event.amountAuthorized, amountCaptured: event.amountCaptured });
    return o.messages.length - 1;
  }

  /** Whether the answer to the operation with this key is lost (the command said so). */
  private readonly loseAnswers = new Map<string, boolean>();

  /**
   * The back office's operations service, asking the model's gateway: QuickPay's rules for a capture, refund or
   * cancel (a request they refuse leaves a failed operation and a 400), every change a message the 'deliver'
   * commands may bring as a callback, racing the answer. A lost answer happened at the gateway all the same.
   */
  private get operations(): PaymentOperationService {
    if (this.operationService) return this.operationService;
    const real = this.services.gateways.get(GatewayName.QUICKPAY);
    const act = async (payment: GatewayPayment, type: BackOfficeOp, amount: number, request: OperationRequest): Promise<PaymentStateEvent> => {
      const o = this.orders.find((x) => x.reference === payment.reference)!;
      // The service asks with its ledger row's key; the model counts by the back office's key.
      const row = await this.services.orm.em.fork().findOneOrFail(PaymentOperation, { id: request.idempotencyKey.replace(/^op:/, '') });
      const key = row.idempotencyKey!;
      o.gatewayCalls.set(key, (o.gatewayCalls.get(key) ?? 0) + 1);
      const m = this.money(o);
      const refusal =
        m.cancelled ? 'Payment is cancelled'
        : m.authorised === 0 ? 'Payment is not authorized'
        : type === 'cancel' ? (m.captured > 0 ? 'Cannot cancel a captured payment' : null)
        : type === 'capture' ? (amount > m.authorised - m.captured ? 'Capture amount exceeds the remaining authorized amount' : null)
        : amount > m.captured - m.refunded ? 'Refund amount exceeds the captured amount' : null;
      o.ops.push({ id: o.ops.length + 1, type, amount, qp_status_code: refusal ? '40001' : '20000' });
      const index = this.snapshot(o);
      if (this.loseAnswers.get(`${o.id}:${key}`)) throw new GatewayApiError('the gateway did not answer in time (model)');
      if (refusal) throw new GatewayApiError(refusal, 400);
      o.answered.add(index);
      return toPaymentStateEvent(QuickPayPaymentSchema.parse(JSON.parse(o.messages[index].body)))!;
    };
    const gateway: PaymentGateway = Object.assign(Object.create(real) as PaymentGateway, {
      capture: (p: GatewayPayment, amount: number, r: OperationRequest) => act(p, 'capture', amount, r),
      refund: (p: GatewayPayment, amount: number, r: OperationRequest) => act(p, 'refund', amount, r),
      cancel: (p: GatewayPayment, r: OperationRequest) => act(p, 'cancel', 0, r),
      fetchPaymentStatus: async (p: GatewayPayment) => {
        const o = this.orders.find((x) => x.reference === p.reference)!;
        if (o.messages.length === 0) return null;
        o.answered.add(o.messages.length - 1);
        return toPaymentStateEvent(QuickPayPaymentSchema.parse(JSON.parse(o.messages.at(-1)!.body)));
      },
    });
    const { orm, config, transitions, payments, log } = this.services;
    return (this.operationService = new PaymentOperationService(orm, transitions, payments, new GatewayRegistry([gateway]), config.reconciler, log));
  }
  private operationService: PaymentOperationService | undefined;

  /**
   * The service's reconciler, asking a gateway that answers `answer` (the model's latest word on the payment);
   * `final`: its schedule is over (give up after 0 ms), so this question is the last.
   */
  private reconcilerAnswering(answer: PaymentStateEvent | null, final: boolean): PaymentReconciler {
    const real = this.services.gateways.get(GatewayName.QUICKPAY);
    const gateway: PaymentGateway = Object.assign(Object.create(real) as PaymentGateway, { fetchPaymentStatus: async () => answer });
    const { orm, config, transitions, payments, log } = this.services;
    const policy = final ? { ...config.reconciler, giveUpAfterMs: 0 } : config.reconciler;
    return new PaymentReconciler(orm, config.database.kind, transitions, payments, new GatewayRegistry([gateway]), policy, 5000, log);
  }

  private pick(back: number): ModelOrder {
    return this.orders[Math.max(0, this.orders.length - 1 - back)];
  }

  /** Cart edits and checkouts may be refused (the cart is checked out, or empty); nothing else may go wrong. */
  private async expectingRefusal(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      if (isAppError(e) && (e.code === ErrorCode.CONFLICT || e.code === ErrorCode.BAD_USER_INPUT)) return;
      throw e;
    }
  }
}

/**
 * The side effects the model can judge: those inside the database, and the e-mails (counted at the test's SMTP
 * server). Webhooks and voids at the gateway have no model here: the gateway is the test's own messages, so a void
 * would be a cancel the model never made.
 */
function modelledEffects(services: Services) {
  return new Map([...inDatabaseHandlers(), ...mailHandlers(services.orm, services.mailer, services.config.mail.smtpTimeoutMs)]);
}

/** Who may speak for the gateway: its signed notifications, and its own answers to the reconciler (invariant 4). */
const VERIFIED_SOURCES: ReadonlySet<TransitionSource> = new Set([TransitionSource.GATEWAY_NOTIFICATION, TransitionSource.RECONCILER]);

/**
 * DESIGN.md invariants 1, 2, 4, 6, 7 and 8 (and 5's "never silently kept"), checked against the database; and 3
 * for the stock and, when `mail` is the SMTP server the service sends to, for the confirmation e-mail.
 */
export async function checkInvariants(services: Services, lineage: Lineage, cartsBefore: number, mail?: TestSmtpServer): Promise<void> {
  const db = inspect(services);
  const cart = await db.cart(lineage.cartId);
  const orders = await db.orders(lineage.cartId);
  const byId = new Map(orders.map((o) => [o.id, o]));
  assert.equal(orders.length, lineage.orders.length, 'one order per successful checkout');

  // 1. One cart per lineage: no cart was made, the cart's status follows its current order, and its audit trail
  //    is a chain of allowed transitions (so a second reopen can never happen).
  assert.equal((await db.carts()).length, cartsBefore + 1, 'exactly one cart for the lineage');
  const current = cart.currentOrderId ? byId.get(cart.currentOrderId)! : undefined;
  const expectedCart = current && current.status !== OrderStatus.CANCELLED ? CartStatus.CHECKED_OUT : CartStatus.OPEN;
  assert.equal(cart.status, expectedCart, `cart status follows its current order (${current?.status})`);
  assertChain(await db.cartTransitions(cart.id), CartStatus.OPEN, cart.status, (f, t) => cartMachine.next(f as CartStatus).includes(t.toStatus as CartStatus), 'cart');
  const live = orders.filter((o) => o.status !== OrderStatus.CANCELLED);
  assert.ok(live.length <= 1, 'at most one order of a lineage is pending or ready');
  if (live.length === 1) assert.equal(live[0].id, cart.currentOrderId, 'and it is the cart\'s current order');

  // 2. Nothing lost: each order holds exactly what the cart held at its checkout; the cart holds what was edited.
  const prices = new Map(PRODUCTS.map((p) => [p.sku, p]));
  for (const m of lineage.orders) {
    const o = byId.get(m.id)!;
    assert.deepEqual(
      o.lines,
      m.snapshot.lines.map((l) => ({ sku: l.sku, name: prices.get(l.sku)!.name, unitPrice: prices.get(l.sku)!.unitPrice, quantity: l.quantity, lineTotal: prices.get(l.sku)!.unitPrice * l.quantity })),
    );
    assert.deepEqual(o.customFields, m.snapshot.fields);
    assert.deepEqual(o.couponCodes, m.snapshot.coupons, 'the coupons the cart held');
    assert.deepEqual(o.giftCards.map((g) => g.code), m.snapshot.giftCards, 'the gift cards the cart held');
    assert.equal(new Set(o.lines.map((l) => l.sku)).size, o.lines.length, 'no duplicate lines');
  }
  assert.deepEqual(cart.lines, lineage.lines);
  assert.deepEqual(cart.customFields, lineage.fields);

  for (const m of lineage.orders) {
    const order = byId.get(m.id)!;
    const payment = await db.payment(m.id);
    const trail = await db.transitions(m.id);

    // 4. Verified truth wins and only moves forward: the payment is where the newest delivered message put it,
    //    only notifications moved it past PENDING, and only notifications made an order ready.
    // Messages are produced in the gateway's order, so the newest delivered is the one produced last.
    // When the reconciler expired it, the payment stays EXPIRED until a newer message that is no longer pending.
    const heard = [...m.delivered, ...m.polled, ...m.answered];
    const newestAt = heard.length ? Math.max(...heard) : -1;
    const stillExpired = m.expiredAfter !== null && (newestAt <= m.expiredAfter || m.messages[newestAt].status === PaymentStatus.PENDING);
    const before = stillExpired ? heard.filter((i) => i <= m.expiredAfter!) : heard;
    const newest = before.length ? m.messages[Math.max(...before)] : undefined;
    const expected = stillExpired ? PaymentStatus.EXPIRED : (newest?.status ?? (m.successRedirects > 0 ? PaymentStatus.PENDING : PaymentStatus.INITIATED));
    assert.equal(payment.status, expected, `payment of ${m.id}: newest delivered message says ${newest?.status ?? 'nothing'}${m.expiredAfter !== null ? `, expired after message ${m.expiredAfter}` : ''}`);
    if (newest) {
      assert.equal(payment.amountAuthorized, newest.amountAuthorized, 'authorised amount as the newest delivered message says');
      assert.equal(payment.amountCaptured, newest.amountCaptured, 'captured amount as the newest delivered message says');
    }
    for (const t of trail) {
      const verifiedOnly = t.subject === TransitionSubject.PAYMENT ? t.toStatus !== PaymentStatus.PENDING && t.fromStatus !== null : t.subject === TransitionSubject.ORDER && t.toStatus === OrderStatus.READY;
      // The gateway's answer to the back office's operation is its verified word too (about the payment only).
      const answered = t.subject === TransitionSubject.PAYMENT && t.source === TransitionSource.BACK_OFFICE;
      if (verifiedOnly) assert.ok(VERIFIED_SOURCES.has(t.source) || answered, `${t.subject} ${t.fromStatus} -> ${t.toStatus} by ${t.source}`);
    }

    // Payment operations: captured never exceeds authorised, refunded never exceeds captured, the amounts are the
    // ledger's sums, each of the gateway's operations is one row, and the gateway was asked once per key.
    const operations = await services.orm.em.fork().find(PaymentOperation, { orderId: m.id });
    assert.ok(payment.amountCaptured <= payment.amountAuthorized, `captured ${payment.amountCaptured} of ${payment.amountAuthorized} authorised`);
    assert.ok(payment.amountRefunded <= payment.amountCaptured, `refunded ${payment.amountRefunded} of ${payment.amountCaptured} captured`);
    assert.deepEqual({ captured: payment.amountCaptured, refunded: payment.amountRefunded }, ledgerTotals(operations), 'the amounts are the ledger sums');
    const gatewayIds = operations.flatMap((r) => (r.gatewayOperationId ? [r.gatewayOperationId] : []));
    assert.equal(new Set(gatewayIds).size, gatewayIds.length, 'one ledger row per gateway operation');
    if (newest) {
      const reported = toPaymentStateEvent(QuickPayPaymentSchema.parse(JSON.parse(newest.body)))!.operations ?? [];
      for (const op of reported.filter((r) => r.outcome !== 'PENDING')) {
        const rows = operations.filter((r) => r.gatewayOperationId === op.gatewayOperationId);
        assert.equal(rows.length, 1, `the gateway's ${op.kind} ${op.gatewayOperationId} is one row of the ledger`);
        assert.equal(rows[0].status, op.outcome === 'SUCCEEDED' ? OperationStatus.SUCCEEDED : OperationStatus.FAILED);
        assert.equal(rows[0].kind, op.kind);
      }
    }
    for (const [key, calls] of m.gatewayCalls) assert.equal(calls, 1, `the gateway was asked ${calls} times for ${key}`);

    // 6. Amounts match: a ready order was paid its own total in its own currency, and still holds the money or is
    //    flagged so it does not ship.
    if (order.status === OrderStatus.READY) {
      assert.ok(PAID_STATUSES.has(payment.status) || order.flags.includes(OrderFlag.PAYMENT_VOIDED), 'a ready order is paid');
      if (!holdsMoney(payment)) {
        assert.ok(order.flags.includes(OrderFlag.PAYMENT_VOIDED) || order.flags.includes(OrderFlag.PAYMENT_REFUNDED), 'a ready order whose money went back is flagged');
      }
      assert.equal(payment.amountAuthorized, order.total);
      assert.equal(payment.gatewayCurrency, order.currency);
    }
    const wrongAmount = m.ops.some((op) => op.type === 'authorize' && op.qp_status_code === '20000' && op.amount !== m.total);
    if (wrongAmount && newest && PAID_STATUSES.has(newest.status)) {
      assert.notEqual(order.status, OrderStatus.READY, 'a wrong amount never makes an order ready');
      assert.ok(order.flags.includes(OrderFlag.AMOUNT_MISMATCH), 'and it is flagged');
    }
    // 5. Money is never silently kept: an authorised payment's order is ready or flagged for the shop, and money
    //    held for an order that stays cancelled is queued to be voided, whatever the payment went through before.
    if (PAID_STATUSES.has(payment.status)) {
      assert.ok(order.status === OrderStatus.READY || order.flags.length > 0, `authorised payment of ${order.status} order ${m.id} is neither ready nor flagged`);
    }
    if (holdsMoney(payment) && order.status === OrderStatus.CANCELLED) {
      assert.ok(order.flags.includes(OrderFlag.LATE_AUTHORIZATION_TO_VOID), `money held for cancelled order ${m.id} is flagged to void`);
      const outbox = await db.outbox(m.id);
      assert.ok(outbox.some((r) => r.topic === OutboxTopic.VOID_PAYMENT), `and a void of payment of ${m.id} is queued`);
    }

    // 8. Every transition is explained, chains from the previous one along an allowed edge, and ends where the
    //    entity stands; a notification's transition names its recorded message.
    const inbox = await db.inbox();
    for (const t of trail) {
      assert.ok(t.trigger && t.source && t.at instanceof Date, 'trigger, source and time recorded');
      if (t.source === TransitionSource.GATEWAY_NOTIFICATION) {
        const msg = inbox.find((i) => i.id === t.inboxMessageId);
        assert.ok(msg, 'the causing message is in the inbox');
        assert.equal(msg.paymentReference, m.reference);
        assert.equal(msg.status, InboxStatus.PROCESSED, `inbox message ${msg.id} caused a transition but is recorded ${msg.status}`);
      }
    }
    assertChain(trail.filter((t) => t.subject === TransitionSubject.ORDER), null, order.status, (f, t) => orderMachine.next(f as OrderStatus).includes(t.toStatus as OrderStatus), `order ${m.id}`);
    // A payment row from a status to the same one is an amendment (amounts or fee changed), explained by its detail.
    const amendment = (f: string, t: { toStatus: string; detail?: string | null }) => f === t.toStatus && /changed: /.test(t.detail ?? '');
    assertChain(trail.filter((t) => t.subject === TransitionSubject.PAYMENT), null, payment.status, (f, t) => paymentMachine.next(f as PaymentStatus).includes(t.toStatus as PaymentStatus) || amendment(f, t), `payment of ${m.id}`);

    // 7. Nothing dropped at the door: every delivered message is recorded once, and none is left unapplied.
    const recorded = inbox.filter((i) => i.paymentReference === m.reference);
    const deliveredBodies = new Set([...m.delivered].map((i) => m.messages[i].body));
    assert.equal(recorded.length, deliveredBodies.size, 'each distinct delivered message recorded once');
    for (const r of recorded) assert.ok(r.status === InboxStatus.PROCESSED || r.status === InboxStatus.IGNORED, `inbox message ${r.id} left ${r.status}`);
  }
  // 3. Exactly-once effects: once everything owed is delivered (again: a repeat must change nothing), an order that
  //    is ready took each of its lines out of stock once, and an order that is not took nothing.
  const effects = modelledEffects(services);
  await drain(outboxWorker(lineage, {}, effects));
  // Everything due was delivered: a repeated delivery that failed (a unique key hit) would be left to retry. Only
  // a row never tried and due later (the pending-payment alert) may still wait.
  const now = new Date();
  const undelivered = (await services.orm.em.fork().find(OutboxMessage, { orderId: { $in: lineage.orders.map((m) => m.id) }, topic: { $in: [...effects.keys()] } }))
    .filter((r) => r.status !== OutboxStatus.DONE && (r.attempts > 0 || r.nextAttemptAt <= now))
    .map((r) => `${r.topic} ${r.status}: ${r.lastError}`);
  assert.deepEqual(undelivered, [], 'every effect due was delivered');
  for (const m of lineage.orders) {
    const order = byId.get(m.id)!;
    const moved = await services.orm.em.fork().find(StockMovement, { orderId: m.id });
    const expected = order.status === OrderStatus.READY ? m.snapshot.lines.filter((l) => l.quantity > 0) : [];
    assert.deepEqual(
      moved.map((s) => [s.sku, -s.quantity]).sort(),
      expected.map((l) => [l.sku, l.quantity]).sort(),
      `stock taken for ${order.status} order ${m.id}`,
    );
  }
  // ... redeemed the lineage's coupon once, and took from its gift card what it applied, once: the card holds its
  // balance less what the ready order took, and is held (locked) only by an order that still waits for payment.
  const em = services.orm.em.fork();
  const ready = lineage.orders.filter((m) => byId.get(m.id)!.status === OrderStatus.READY);
  const couponRedemptions = await em.find(CouponRedemption, { couponCode: lineage.couponCode });
  assert.deepEqual(
    couponRedemptions.map((r) => r.orderId).sort(),
    ready.filter((m) => m.snapshot.coupons.length > 0).map((m) => m.id).sort(),
    'one coupon redemption per ready order that used the coupon',
  );
  const giftCardRedemptions = await em.find(GiftCardRedemption, { giftCardCode: lineage.giftCardCode });
  const owedToCard = ready.flatMap((m) => byId.get(m.id)!.giftCards.filter((g) => g.code === lineage.giftCardCode).map((g) => ({ orderId: m.id, amount: g.amount })));
  assert.deepEqual(giftCardRedemptions.map((r) => ({ orderId: r.orderId, amount: r.taken })).sort(byOrder), owedToCard.sort(byOrder), 'one gift card redemption per ready order that used the card, of what it applied');
  const card = await em.findOneOrFail(GiftCard, { code: lineage.giftCardCode });
  assert.equal(card.balance, GIFT_CARD_BALANCE - owedToCard.reduce((sum, r) => sum + r.amount, 0), 'the gift card holds its balance less what ready orders took');
  const waiting = orders.find((o) => o.status === OrderStatus.PENDING_PAYMENT && o.giftCards.some((g) => g.code === lineage.giftCardCode));
  assert.equal(card.lockedByOrderId ?? null, waiting?.id ?? null, 'the gift card is held by the order waiting for payment that uses it, or by none');
  // ... and one confirmation e-mail for each ready order that has an address, none for any other: counted by the
  // Message-ID each delivery of an order's confirmation carries, among everything the SMTP server received.
  if (mail) {
    const host = new URL(services.config.publicBaseUrl).hostname;
    const received = new Map<string, number>();
    for (const message of mail.messages) received.set(message.parsed.messageId ?? '', (received.get(message.parsed.messageId ?? '') ?? 0) + 1);
    for (const m of lineage.orders) {
      const order = byId.get(m.id)!;
      const owed = order.status === OrderStatus.READY && m.email ? 1 : 0;
      assert.equal(received.get(`<order-${m.id}.confirmation@${host}>`) ?? 0, owed, `confirmations for ${order.status} order ${m.id} (address: ${m.email ?? 'none'})`);
    }
  }

  const failures = lineage.answers.filter((a) => a !== NotificationOutcome.ACCEPTED && a !== NotificationOutcome.DUPLICATE && a !== NotificationOutcome.IGNORED);
  assert.deepEqual(failures, [], 'every valid notification is answered with success');
}

const byOrder = (a: { orderId: string }, b: { orderId: string }) => a.orderId.localeCompare(b.orderId);

/** `initial` is where the entity starts: null when its creation is itself a recorded transition (orders, payments). */
type AuditRow = { fromStatus?: string | null; toStatus: string; detail?: string | null };

function assertChain(trail: AuditRow[], initial: string | null, final: string, allowed: (from: string, row: AuditRow) => boolean, what: string): void {
  let at: string | null = initial;
  for (const t of trail) {
    assert.equal(t.fromStatus ?? null, at, `${what}: transition from ${t.fromStatus} does not follow ${at}`);
    if (at !== null) assert.ok(allowed(at, t), `${what}: ${at} -> ${t.toStatus} is not in the table`);
    at = t.toStatus;
  }
  if (trail.length) assert.equal(at, final, `${what}: audit trail ends at ${at}, entity is ${final}`);
}
