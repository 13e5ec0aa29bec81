/**
 * The gateway seam with what QuickPay does not use (issue 8), through the real checkout, callback bridge and
 * redirect report: a payment created at the gateway at checkout (its token kept, never shown), a notification
 * authenticated by that stored token and confirmed by asking the gateway before anything is applied, and a signed
 * shopper return applied as the gateway's own word. The gateway is test/support/token-gateway.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatewayRegistry } from '../../src/gateways/gateway-registry.js';
import { TransitionSource } from '../../src/modules/audit/status-transition.entity.js';
import { InboxStatus } from '../../src/modules/inbox/inbox-message.entity.js';
import { PaymentStatus } from '../../src/modules/payment/payment.machine.js';
import { CapturePaymentDocument, CheckoutDocument, OrderDocument, PaymentOperationsDocument, ReportRedirectOutcomeDocument } from '../generated/graphql.js';
import { inspect } from '../support/db-inspection.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { signReturn, TokenGateway } from '../support/token-gateway.js';

describe(`the gateway seam (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  const gateway = new TokenGateway();
  const notify = async (body: Record<string, unknown>) => {
    const res = await fetch(`${svc.url}/callbacks/quickpay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, outcome: ((await res.json()) as { outcome: string }).outcome };
  };

  before(async () => {
    svc = await startTestService({ gateways: () => new GatewayRegistry([gateway]) });
    await seedCatalogue(svc);
  });
  after(() => svc?.close());

  it('creates the payment at the gateway once, keeps what it hands back, and never shows the token', async () => {
    const cartId = await createFilledCart(svc);
    const first = await checkout(svc, cartId);
    const repeat = await checkout(svc, cartId);
    assert.equal(repeat.order.id, first.order.id);
    const payment = await inspect(svc.services).payment(first.order.id);
    assert.deepEqual(gateway.createCalls.filter((k) => k === `payment:${payment.id}`), [`payment:${payment.id}`], 'asked once');
    const token = gateway.payments.get(payment.reference)!.token;
    assert.deepEqual(payment.gatewayData, { merchantToken: token });
    assert.equal(payment.gatewayPaymentId, gateway.payments.get(payment.reference)!.gatewayPaymentId);
    assert.deepEqual(first.redirect.fields, [{ name: 'payment', value: payment.gatewayPaymentId }]);
    const shown = JSON.stringify(await svc.gqlOk(OrderDocument, { id: first.order.id }));
    assert.ok(!shown.includes(token), 'the token is not in what GraphQL shows');
  });

  it('tells the storefront to repeat a checkout whose gateway call failed, and the repeat creates it with the same key', async () => {
    const cartId = await createFilledCart(svc);
    gateway.failNextCreate = true;
    const failed = await svc.gql(CheckoutDocument, { input: { cartId, paymentMethod: 'card', idempotencyKey: `seam-${cartId}` } }, null);
    assert.equal(failed.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
    const [placed] = await inspect(svc.services).orders(cartId);
    const pending = await inspect(svc.services).payment(placed.id);
    assert.equal(pending.gatewayData, null, 'nothing kept from a call that failed');
    const repeat = await checkout(svc, cartId, `seam-${cartId}`);
    assert.equal(repeat.order.id, placed.id);
    assert.deepEqual(gateway.createCalls.filter((k) => k === `payment:${pending.id}`).length, 2, 'asked again, with the same key');
    assert.ok((await inspect(svc.services).payment(placed.id)).gatewayData?.merchantToken);
  });

  it('authenticates a notification by the stored token, and applies what the gateway answers when asked, not what it claims', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const reference = co.order.payment.reference;
    const state = gateway.payments.get(reference)!;

    const forged = await notify({ reference, merchantToken: 'f'.repeat(32), claims: 'AUTHORIZED' });
    assert.equal(forged.outcome, 'REJECTED_SIGNATURE');

    // It claims an authorisation; the gateway, asked, says the payment is still pending: nothing becomes ready.
    await notify({ reference, merchantToken: state.token, claims: 'AUTHORIZED', amount: co.order.total });
    assert.equal((await inspect(svc.services).order(co.order.id)).status, 'PENDING_PAYMENT');

    // The gateway cannot be asked: kept, and the gateway told to resend.
    Object.assign(state, { status: PaymentStatus.AUTHORIZED, sequence: 2 });
    gateway.unreachable = true;
    const unconfirmed = await notify({ reference, merchantToken: state.token, claims: 'AUTHORIZED', attempt: 2 });
    assert.deepEqual(unconfirmed, { status: 503, outcome: 'RETRY_LATER' });
    const kept = (await inspect(svc.services).inbox()).filter((m) => m.paymentReference === reference);
    assert.ok(kept.some((m) => m.status === InboxStatus.RECEIVED && /confirm it failed/.test(m.outcome ?? '')), JSON.stringify(kept.map((m) => m.outcome)));

    gateway.unreachable = false;
    const resent = await notify({ reference, merchantToken: state.token, claims: 'AUTHORIZED', attempt: 2 });
    assert.deepEqual(resent, { status: 200, outcome: 'ACCEPTED' });
    assert.equal((await inspect(svc.services).order(co.order.id)).status, 'READY');
  });

  it('keeps the operations ledger for a gateway that reports totals only: our capture settles by them, one done at the gateway enters as the difference', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const reference = co.order.payment.reference;
    const state = gateway.payments.get(reference)!;
    Object.assign(state, { status: PaymentStatus.AUTHORIZED, sequence: 2 });
    await notify({ reference, merchantToken: state.token, claims: 'AUTHORIZED' });
    assert.equal((await inspect(svc.services).order(co.order.id)).status, 'READY');

    const captured = await svc.gqlOk(CapturePaymentDocument, { orderId: co.order.id, idempotencyKey: 'totals-1', amount: 1000 });
    assert.equal(captured.capturePayment.operation.status, 'SUCCEEDED');
    assert.equal(gateway.captureCalls.length, 1);

    // Captured again in the gateway's own back office: its notification, confirmed, says 1500 in all.
    Object.assign(state, { captured: 1500, sequence: state.sequence + 1 });
    await notify({ reference, merchantToken: state.token, claims: 'CAPTURED', attempt: 3 });
    await notify({ reference, merchantToken: state.token, claims: 'CAPTURED', attempt: 4 });
    const rows = (await svc.gqlOk(PaymentOperationsDocument, { orderId: co.order.id })).paymentOperations;
    assert.deepEqual(rows.map((r) => `${r.kind} ${r.amount} ${r.status} ${r.requestedBy}`), ['CAPTURE 1000 SUCCEEDED BACK_OFFICE', 'CAPTURE 500 SUCCEEDED GATEWAY']);
    assert.equal((await inspect(svc.services).payment(co.order.id)).amountCaptured, 1500);
  });

  it('flags the order once when the gateway reports an anomaly with an applied message, and not for a stale one', async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const reference = co.order.payment.reference;
    const state = gateway.payments.get(reference)!;
    Object.assign(state, { status: PaymentStatus.AUTHORIZED, sequence: 2 });
    await notify({ reference, merchantToken: state.token, claims: 'AUTHORIZED' });
    assert.deepEqual((await inspect(svc.services).order(co.order.id)).flags, []);

    // Still authorised, newer, with an anomaly (Lyra's CAPTURE_FAILED): flagged, with the gateway's words audited.
    Object.assign(state, { sequence: 3, anomaly: 'the capture failed at the gateway' });
    assert.equal((await notify({ reference, merchantToken: state.token, claims: 'AUTHORIZED', attempt: 2 })).outcome, 'ACCEPTED');
    await notify({ reference, merchantToken: state.token, claims: 'AUTHORIZED', attempt: 3 });
    const order = await inspect(svc.services).order(co.order.id);
    assert.deepEqual(order.flags, ['GATEWAY_ANOMALY'], 'flagged once');
    assert.equal(order.status, 'READY');
    assert.ok((await inspect(svc.services).transitions(co.order.id)).some((t) => /capture failed at the gateway/.test(t.detail ?? '')));

    // A stale message with an anomaly is not applied: it flags nothing.
    const other = await checkout(svc, await createFilledCart(svc));
    const otherState = gateway.payments.get(other.order.payment.reference)!;
    Object.assign(otherState, { status: PaymentStatus.AUTHORIZED, sequence: 5 });
    await notify({ reference: other.order.payment.reference, merchantToken: otherState.token, claims: 'AUTHORIZED' });
    Object.assign(otherState, { sequence: 4, anomaly: 'stale' });
    await notify({ reference: other.order.payment.reference, merchantToken: otherState.token, claims: 'AUTHORIZED', attempt: 2 });
    assert.deepEqual((await inspect(svc.services).order(other.order.id)).flags, []);
  });

  it("takes a resend with the gateway's own message id as a duplicate even when its bytes differ", async () => {
    const co = await checkout(svc, await createFilledCart(svc));
    const reference = co.order.payment.reference;
    const state = gateway.payments.get(reference)!;
    Object.assign(state, { status: PaymentStatus.AUTHORIZED, sequence: 2 });
    const first = await notify({ messageId: `evt-${reference}`, reference, merchantToken: state.token, claims: 'AUTHORIZED' });
    assert.deepEqual(first, { status: 200, outcome: 'ACCEPTED' });
    // The same event delivered again, serialised differently: one record, applied once.
    const again = await notify({ reference, claims: 'AUTHORIZED', merchantToken: state.token, messageId: `evt-${reference}`, delivery: 2 });
    assert.equal(again.outcome, 'DUPLICATE');
    // Another message id is another message.
    const other = await notify({ messageId: `evt-${reference}-2`, reference, merchantToken: state.token, claims: 'AUTHORIZED' });
    assert.equal(other.outcome, 'IGNORED');
    assert.equal((await inspect(svc.services).inbox()).filter((m) => m.paymentReference === reference).length, 2);
  });

  it("applies a shopper's return the gateway signed as the gateway's word, and a forged one as a hint only", async () => {
    const signed = await checkout(svc, await createFilledCart(svc));
    const state = gateway.payments.get(signed.order.payment.reference)!;
    Object.assign(state, { status: PaymentStatus.AUTHORIZED, sequence: 2 });
    const params = (status: string, signature: string) => [
      { key: 'reference', value: signed.order.payment.reference },
      { key: 'status', value: status },
      { key: 'signature', value: signature },
    ];
    const report = (orderId: string, token: string, p: { key: string; value: string }[]) =>
      svc.gqlOk(ReportRedirectOutcomeDocument, { orderId, outcome: 'SUCCESS', params: p }, token);

    const forged = await checkout(svc, await createFilledCart(svc));
    // A return signed for another order's payment, or with a wrong signature, proves nothing here.
    const stolen = await report(forged.order.id, forged.accessToken, params('AUTHORIZED', signReturn(signed.order.payment.reference, 'AUTHORIZED')));
    assert.equal(stolen.reportRedirectOutcome.order.status, 'PENDING_PAYMENT');
    assert.equal(stolen.reportRedirectOutcome.order.paymentStatus, 'PENDING', 'a hint: waiting for the gateway');
    const wrong = await report(signed.order.id, signed.accessToken, params('AUTHORIZED', 'bad'));
    assert.equal(wrong.reportRedirectOutcome.order.status, 'PENDING_PAYMENT');
    const transitions = await inspect(svc.services).transitions(signed.order.id);
    assert.ok(transitions.some((t) => t.source === TransitionSource.SHOPPER_REDIRECT && /signature refused/.test(t.detail ?? '')));

    const verified = await report(signed.order.id, signed.accessToken, params('AUTHORIZED', signReturn(signed.order.payment.reference, 'AUTHORIZED')));
    assert.equal(verified.reportRedirectOutcome.order.status, 'READY');
    assert.ok((await inspect(svc.services).transitions(signed.order.id)).some((t) => t.source === TransitionSource.GATEWAY_RETURN && t.toStatus === 'AUTHORIZED'));
  });
});
