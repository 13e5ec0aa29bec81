import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import { PaymentStatusChangedDocument } from '../generated/graphql.js';
import { RawGraphQLSocket, sleep, within } from '../support/raw-clients.js';
import { checkout, createFilledCart, seedCatalogue, type Checkout } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const db = process.env.TEST_DATABASE ?? 'sqlite';
const WATCH = print(PaymentStatusChangedDocument);

describe(`WebSocket bounds (${db})`, () => {
  let svc: TestService;
  let order: Checkout;
  before(async () => {
    svc = await startTestService({
      env: {
        WS_MAX_PAYLOAD: '1024',
        WS_CONNECTION_INIT_TIMEOUT_MS: '200',
        WS_KEEPALIVE_MS: '1000',
        WS_MAX_SUBSCRIPTIONS: '2',
      },
    });
    await seedCatalogue(svc);
    order = await checkout(svc, await createFilledCart(svc));
  });
  after(() => svc.close());

  it('closes a socket whose message is larger than WS_MAX_PAYLOAD (1009)', async () => {
    const socket = await RawGraphQLSocket.initialised(svc.url, order.accessToken);
    socket.subscribe('big', `{ __typename } # ${'x'.repeat(2000)}`);
    assert.equal((await within(socket.closed, 'the socket is closed')).code, 1009);
    assert.equal(socket.messages.filter((m) => m.id === 'big').length, 0, 'the message was not handled');
  });

  it('closes a socket that does not send connection_init in time (4408), without acknowledging it', async () => {
    const socket = await RawGraphQLSocket.open(svc.url);
    // Later than WS_CONNECTION_INIT_TIMEOUT_MS (200 ms), well before graphql-ws's own default of 3 s.
    await Promise.race([socket.closed, sleep(1500)]);
    socket.send({ type: 'connection_init', payload: {} });
    assert.equal((await within(socket.closed, 'the socket is closed')).code, 4408);
    assert.ok(!socket.messages.some((m) => m.type === 'connection_ack'));
  });

  it('terminates a socket that does not answer pings, and keeps one that does', async () => {
    const [silent, answering] = await Promise.all([
      RawGraphQLSocket.initialised(svc.url, order.accessToken, { autoPong: false }),
      RawGraphQLSocket.initialised(svc.url, order.accessToken),
    ]);
    // Both watch an order, so that only the pings (not the idle timeout) decide.
    silent.subscribe('w', WATCH, { orderId: order.order.id });
    answering.subscribe('w', WATCH, { orderId: order.order.id });
    await Promise.all([silent.next((m) => m.type === 'next'), answering.next((m) => m.type === 'next')]);
    const closed = await within(silent.closed, 'the silent socket is terminated');
    assert.equal(closed.code, 1006, 'terminated, not closed politely');
    assert.ok(answering.isOpen, 'the socket that answers pings is still open');
    answering.close();
  });

  it('refuses a subscription beyond WS_MAX_SUBSCRIPTIONS with LIMIT_EXCEEDED and keeps the socket and the others', async () => {
    const socket = await RawGraphQLSocket.initialised(svc.url, order.accessToken);
    for (const id of ['1', '2']) socket.subscribe(id, WATCH, { orderId: order.order.id });
    await Promise.all(['1', '2'].map((id) => socket.next((m) => m.id === id && m.type === 'next')));
    socket.subscribe('3', WATCH, { orderId: order.order.id });
    const refused = await socket.next((m) => m.id === '3');
    assert.equal(refused.type, 'error');
    assert.deepEqual((refused.payload as { extensions: unknown }[])[0].extensions, { code: 'LIMIT_EXCEEDED', setting: 'WS_MAX_SUBSCRIPTIONS', max: 2 });
    assert.ok(socket.isOpen, 'the socket stays open');

    // A slot freed is a slot to use: the next subscription is accepted and gets the current status.
    socket.send({ type: 'complete', id: '1' });
    socket.subscribe('4', WATCH, { orderId: order.order.id });
    const accepted = await socket.next((m) => m.id === '4');
    assert.equal(accepted.type, 'next', JSON.stringify(accepted));
    socket.close();
  });
});

describe(`WebSocket idle timeout (${db})`, () => {
  let svc: TestService;
  let order: Checkout;
  before(async () => {
    svc = await startTestService({ env: { WS_IDLE_TIMEOUT_MS: '1000' } });
    await seedCatalogue(svc);
    order = await checkout(svc, await createFilledCart(svc));
  });
  after(() => svc.close());

  it('closes a socket with no operation running after WS_IDLE_TIMEOUT_MS (1000), but not while a subscription runs', async () => {
    const idle = await RawGraphQLSocket.initialised(svc.url, order.accessToken);
    assert.deepEqual(await within(idle.closed, 'the idle socket is closed'), { code: 1000, reason: 'Idle timeout' });

    const watching = await RawGraphQLSocket.initialised(svc.url, order.accessToken);
    watching.subscribe('w', WATCH, { orderId: order.order.id });
    await watching.next((m) => m.type === 'next');
    await sleep(2500);
    assert.ok(watching.isOpen, 'kept open while its subscription runs');
    watching.send({ type: 'complete', id: 'w' });
    assert.deepEqual(await within(watching.closed, 'closed once idle'), { code: 1000, reason: 'Idle timeout' });
  });
});
