import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { subscriptionErrors } from '../support/subscriptions.js';
import { RawGraphQLSocket, postGraphQL } from '../support/raw-clients.js';
import { startTestService, TEST_KEYS, type TestService } from '../support/test-service.js';

const db = process.env.TEST_DATABASE ?? 'sqlite';
const INTROSPECTION = getIntrospectionQuery();
const ADMIN = TEST_KEYS.adminApiKey;

/** Runs one query over graphql-ws and returns its first result (`next`) or its errors (`error`). */
async function overWebSocket(url: string, query: string, token: string | null): Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const socket = await RawGraphQLSocket.initialised(url, token);
  try {
    socket.subscribe('q', query);
    const reply = await socket.next((m) => m.id === 'q' && (m.type === 'next' || m.type === 'error'));
    return reply.type === 'error' ? { errors: reply.payload as never } : (reply.payload as never);
  } finally {
    socket.close();
  }
}

const introspected = (result: { data?: unknown }) => (result.data as { __schema?: { queryType: { name: string } } } | undefined)?.__schema?.queryType.name === 'Query';
const refusedIntrospection = (result: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  result.errors?.[0]?.extensions?.validationErrorCode === 'INTROSPECTION_DISABLED' && result.errors[0].extensions.code === 'GRAPHQL_VALIDATION_FAILED';

describe(`GRAPHQL_INTROSPECTION=admin, the default (${db})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(() => svc.close());

  it('refuses anonymous introspection over HTTP and WebSocket, and lets the back office introspect', async () => {
    const anonymous = await postGraphQL(svc.url, INTROSPECTION);
    assert.equal(anonymous.status, 400);
    assert.ok(refusedIntrospection(anonymous.body), JSON.stringify(anonymous.body));
    assert.ok(refusedIntrospection(await overWebSocket(svc.url, INTROSPECTION, null)));
    // Apollo keeps the validated document; the same text from an anonymous caller after the admin is refused still.
    assert.ok(introspected((await postGraphQL(svc.url, INTROSPECTION, {}, ADMIN)).body), 'the standard introspection query passes every limit');
    assert.ok(refusedIntrospection((await postGraphQL(svc.url, INTROSPECTION)).body));
    assert.ok(introspected(await overWebSocket(svc.url, INTROSPECTION, ADMIN)));
    assert.ok(refusedIntrospection((await postGraphQL(svc.url, '{ __type(name: "Mutation") { fields { name } } }')).body));
  });

  it('always answers __typename', async () => {
    assert.deepEqual((await postGraphQL(svc.url, '{ __typename }')).body, { data: { __typename: 'Query' } });
  });

  it('suggests no field names to an anonymous caller who misspells one', async () => {
    const http = await postGraphQL(svc.url, '{ prodcts { sku } }');
    assert.equal(http.body.errors?.[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.doesNotMatch(JSON.stringify(http.body), /Did you mean|"products"/);
    const ws = await subscriptionErrors(svc.url, '{ prodcts { sku } }', {}, null);
    assert.doesNotMatch(JSON.stringify(ws), /Did you mean|"products"/);
    const variables = await postGraphQL(svc.url, 'mutation($i: CheckoutInputType!) { checkout(input: $i) { accessToken } }', { i: { cartId: 'c', idempotencyKy: 'k', idempotencyKey: 'k' } });
    assert.equal(variables.body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.doesNotMatch(JSON.stringify(variables.body), /Did you mean/, 'not through variables either');
  });
});

describe(`GRAPHQL_INTROSPECTION=public (${db})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { GRAPHQL_INTROSPECTION: 'public' } });
  });
  after(() => svc.close());

  it('lets anyone introspect, and suggests field names', async () => {
    assert.ok(introspected((await postGraphQL(svc.url, INTROSPECTION)).body));
    assert.ok(introspected(await overWebSocket(svc.url, INTROSPECTION, null)));
    assert.match((await postGraphQL(svc.url, '{ prodcts { sku } }')).body.errors![0].message, /Did you mean "products"/);
  });
});

describe(`GRAPHQL_INTROSPECTION=off (${db})`, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { GRAPHQL_INTROSPECTION: 'off' } });
  });
  after(() => svc.close());

  it('refuses introspection to everyone, the back office included, and still answers __typename', async () => {
    assert.ok(refusedIntrospection((await postGraphQL(svc.url, INTROSPECTION, {}, ADMIN)).body));
    assert.ok(refusedIntrospection(await overWebSocket(svc.url, INTROSPECTION, ADMIN)));
    assert.ok(refusedIntrospection((await postGraphQL(svc.url, INTROSPECTION)).body));
    assert.deepEqual((await postGraphQL(svc.url, '{ __typename }', {}, ADMIN)).body, { data: { __typename: 'Query' } });
  });
});
