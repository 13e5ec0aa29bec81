import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from '../support/db-inspection.js';
import { paymentResource, postCallback } from '../support/quickpay-callbacks.js';
import { RawGraphQLSocket, postGraphQL, rawSocket, sleep, within } from '../support/raw-clients.js';
import { checkout, createFilledCart, seedCatalogue } from '../support/shop-fixture.js';
import { startTestService, type TestService } from '../support/test-service.js';

const db = process.env.TEST_DATABASE ?? 'sqlite';

describe(`HTTP timeouts against slow clients (${db})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' } });
  });
  after(() => svc.close());

  it('answers 408 and closes a request whose body never arrives in full (1000 bytes promised, 10 sent)', async () => {
    const client = rawSocket(svc.url);
    client.write('POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":"');
    const received = await within(client.closed, 'the server closes the connection');
    assert.match(received, /^HTTP\/1\.1 408 /);
  });

  it('closes a connection that sends only half of its headers', async () => {
    const client = rawSocket(svc.url);
    client.write('POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Ty');
    const received = await within(client.closed, 'the server closes the connection');
    assert.match(received, /^HTTP\/1\.1 408 /);
  });

  it('closes a connection that never sends a byte', async () => {
    const client = rawSocket(svc.url);
    await within(client.closed, 'the server closes the connection');
  });

  it('closes a keep-alive connection left idle after its answer', async () => {
    const client = rawSocket(svc.url);
    client.write('GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n');
    const received = await within(client.closed, 'the server closes the idle connection');
    assert.match(received, /^HTTP\/1\.1 200 /, 'the request itself was answered');
  });

  it('still takes GraphQL and callbacks from clients that send promptly', async () => {
    await seedCatalogue(svc);
    const co = await checkout(svc, await createFilledCart(svc));
    const res = await postCallback(svc.url, paymentResource(co.order.payment.reference, [{ id: 1, type: 'authorize', amount: co.order.total }]));
    assert.equal(res.status, 200);
    assert.equal((await inspect(svc.services).order(co.order.id)).status, 'READY');
  });
});

describe(`HTTP connection cap (${db})`, () => {
  const CAP = 3;
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { HTTP_MAX_CONNECTIONS: String(CAP) } });
  });
  after(() => svc.close());

  /** Opens `n` sockets that each hold a request open (headers half sent), so the server keeps all of them. */
  async function holdSockets(n: number) {
    const held = Array.from({ length: n }, () => rawSocket(svc.url));
    for (const s of held) {
      await s.connected;
      s.write('GET /health/live HTTP/1.1\r\nHost: test\r\n');
    }
    return held;
  }

  /** Retries a plain request until the server answers it (a socket closed by a client is counted until the server sees it close). */
  async function eventuallyServed(): Promise<string> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const client = rawSocket(svc.url);
      client.write('GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
      const received = await client.closed;
      if (received) return received;
      await sleep(50);
    }
    throw new Error('never served');
  }

  /** Waits until the server holds no connection (those a test closed included), so each test starts with every slot free. */
  async function noConnectionsLeft(): Promise<void> {
    const count = () => new Promise<number>((resolve, reject) => svc.http!.app.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    while ((await count()) > 0) await sleep(20);
  }

  it('closes the socket beyond HTTP_MAX_CONNECTIONS unanswered, keeps the others, and serves again once one closes', async () => {
    await within(noConnectionsLeft(), 'every connection is closed');
    const held = await holdSockets(CAP);
    const extra = rawSocket(svc.url);
    extra.write('GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
    assert.equal(await within(extra.closed, 'the extra socket is closed'), '', 'closed without an answer');

    // The held ones were kept: each can finish its request and is answered.
    held[0].write('Connection: close\r\n\r\n');
    assert.match(await within(held[0].closed, 'the held request is answered'), /^HTTP\/1\.1 200 /);
    assert.match(await within(eventuallyServed(), 'a new socket is served once one closed'), /^HTTP\/1\.1 200 /);
    for (const s of held) s.socket.destroy();
  });

  it('counts WebSocket connections toward the cap', async () => {
    await within(noConnectionsLeft(), 'every connection is closed');
    const sockets = await Promise.all(Array.from({ length: CAP }, () => RawGraphQLSocket.initialised(svc.url)));
    const extra = rawSocket(svc.url);
    extra.write('GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
    assert.equal(await within(extra.closed, 'the extra socket is closed'), '', 'no HTTP answer while the WebSockets hold every slot');
    for (const s of sockets) assert.ok(s.isOpen, 'the WebSockets stay open');
    sockets[0].close();
    assert.match(await within(eventuallyServed(), 'HTTP is served once a WebSocket closed'), /^HTTP\/1\.1 200 /);
    for (const s of sockets) s.close();
  });
});

describe(`GraphQL request body limit (${db})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { GRAPHQL_BODY_LIMIT: '4096' } });
  });
  after(() => svc.close());

  it('answers 413 with LIMIT_EXCEEDED naming GRAPHQL_BODY_LIMIT beyond it, and serves a request within it', async () => {
    const tooLarge = await postGraphQL(svc.url, `{ __typename } # ${'x'.repeat(5000)}`);
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(tooLarge.body.errors?.[0].extensions, { code: 'LIMIT_EXCEEDED', setting: 'GRAPHQL_BODY_LIMIT', max: 4096 });
    const withinLimit = await postGraphQL(svc.url, `{ __typename } # ${'x'.repeat(3000)}`);
    assert.deepEqual(withinLimit, { status: 200, body: { data: { __typename: 'Query' } } });
  });
});
