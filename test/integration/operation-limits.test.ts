import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { subscriptionErrors } from '../support/subscriptions.js';
import { postGraphQL } from '../support/raw-clients.js';
import { startTestService, type TestService } from '../support/test-service.js';

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;

/** One document beyond each limit (defaults: 3000 tokens, depth 10, 15 aliases, 20 directives, cost 1000). */
const BEYOND = {
  GRAPHQL_MAX_ALIASES: { query: aliases(16), code: 'GRAPHQL_VALIDATION_FAILED' },
  GRAPHQL_MAX_DEPTH: { query: '{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  GRAPHQL_MAX_DIRECTIVES: { query: `{ ${'__typename @skip(if: false) '.repeat(21)} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
  GRAPHQL_MAX_COST: { query: `{ ${'products { sku name } '.repeat(250)} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
  GRAPHQL_MAX_TOKENS: { query: `{ ${'__typename '.repeat(3000)} }`, code: 'GRAPHQL_PARSE_FAILED' },
} as const;

describe(`limits on one operation (${process.env.TEST_DATABASE ?? 'sqlite'})`, () => {
  let svc: TestService;
  before(async () => {
    // A body limit large enough for a 1 MB document, so that the operation limits, not the body limit, meet it.
    svc = await startTestService({ env: { GRAPHQL_BODY_LIMIT: String(2 * 1024 * 1024) } });
  });
  after(() => svc.close());

  it('refuses an operation beyond each limit over HTTP with 400, the code and a message naming the limit', async () => {
    for (const [setting, { query, code }] of Object.entries(BEYOND)) {
      const res = await postGraphQL(svc.url, query);
      assert.equal(res.status, 400, setting);
      assert.equal(res.body.errors?.length, 1, setting);
      assert.equal(res.body.errors?.[0].extensions?.code, code, setting);
      assert.match(res.body.errors![0].message, setting === 'GRAPHQL_MAX_TOKENS' ? /3000 tokens/ : new RegExp(setting), setting);
      assert.equal(res.body.data, undefined, `${setting}: nothing was executed`);
    }
  });

  it('refuses the same operations over WebSocket, with the same codes', async () => {
    for (const [setting, { query, code }] of Object.entries(BEYOND)) {
      const errors = await subscriptionErrors(svc.url, query, {}, null);
      assert.equal(errors[0].extensions?.code, code, setting);
      assert.match(errors[0].message, setting === 'GRAPHQL_MAX_TOKENS' ? /3000 tokens/ : new RegExp(setting), setting);
    }
  });

  it('refuses a 40,000-alias document (about 1 MB) at once, and answers a concurrent request', async () => {
    const huge = `{ ${Array.from({ length: 40_000 }, (_, i) => `a${i}: products { sku }`).join(' ')} }`;
    assert.ok(huge.length > 900_000);
    const [refused, answered] = await Promise.all([postGraphQL(svc.url, huge), postGraphQL(svc.url, '{ products { sku } }')]);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors?.[0].extensions?.code, 'GRAPHQL_PARSE_FAILED', 'the parser stops at the token limit');
    assert.equal(answered.status, 200);
    assert.deepEqual(answered.body, { data: { products: [] } });
  });
});
