import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { getIntrospectionQuery, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../../src/config/config.js';
import { buildAppSchema } from '../../src/graphql/schema.js';
import { OperationLimits, selectsSchema } from '../../src/graphql/operation-limits.js';
import { OrderAccess } from '../../src/modules/access/order-access.js';

/** The operations the project itself sends: the tests' and the demo storefront's. */
const NORMAL_OPERATIONS = ['test/operations/cart.graphql', 'test/operations/catalogue.graphql', 'test/operations/order.graphql', 'src/demo/public/operations.graphql'];

const defaults = () => new OperationLimits(loadConfig({ LOG_LEVEL: 'silent' }).graphql);
const codeAndSetting = (e: { extensions: Record<string, unknown> } | undefined) => [e?.extensions.code, e?.extensions.setting];

describe('operation limits', () => {
  let schema: GraphQLSchema;
  before(async () => {
    schema = await buildAppSchema();
  });

  it('let every normal operation and the standard introspection query through under the defaults', () => {
    const limits = defaults();
    for (const file of NORMAL_OPERATIONS) {
      const document = limits.parse(readFileSync(file, 'utf8'));
      assert.deepEqual(limits.validate(schema, document).map((e) => e.message), [], file);
    }
    assert.deepEqual(limits.validate(schema, limits.parse(getIntrospectionQuery())), []);
  });

  it('refuse each limit by name, with the validation code', () => {
    const limits = defaults();
    const refusal = (query: string) => limits.exceeded(schema, limits.parse(query));
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    assert.deepEqual(codeAndSetting(refusal(aliases)), ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_MAX_ALIASES']);
    const depth = '{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }';
    assert.deepEqual(codeAndSetting(refusal(depth)), ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_MAX_DEPTH']);
    const directives = `{ ${'__typename @skip(if: false) '.repeat(21)} }`;
    assert.deepEqual(codeAndSetting(refusal(directives)), ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_MAX_DIRECTIVES']);
    const cost = `{ ${'products { sku name } '.repeat(250)} }`;
    assert.deepEqual(codeAndSetting(refusal(cost)), ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_MAX_COST']);
    assert.match(refusal(cost)!.message, /Cost limit of 1000 exceeded.*GRAPHQL_MAX_COST/);
    assert.throws(() => limits.parse(`{ ${'a '.repeat(3000)} }`), /more that 3000 tokens/);
  });

  it('refuse a document beyond a limit with that refusal alone: graphql-js validation never runs on it', () => {
    // 700 copies of one field with a selection: graphql-js's overlapping-fields rule compares them pairwise.
    const limits = defaults();
    const errors = limits.validate(schema, limits.parse(`{ ${'products { sku } '.repeat(700)} }`));
    assert.deepEqual(errors.map((e) => e.extensions.setting), ['GRAPHQL_MAX_COST']);
  });

  it('let the back office introspect under admin, nobody under off, anyone under public; __typename always', () => {
    const admin = OrderAccess.fromAuthorization('Bearer admin-key-0123456789', 'admin-key-0123456789');
    const anonymous = OrderAccess.anonymous();
    const policy = (p: string) => new OperationLimits(loadConfig({ GRAPHQL_INTROSPECTION: p }).graphql);
    const introspection = policy('admin').parse('{ __schema { queryType { name } } }');
    const typeQuery = policy('admin').parse('{ __type(name: "Query") { name } }');
    const typename = policy('admin').parse('{ __typename }');
    assert.ok(selectsSchema(introspection) && selectsSchema(typeQuery) && !selectsSchema(typename));
    assert.equal(policy('admin').introspectionRefusal(introspection, admin), undefined);
    assert.equal(policy('admin').introspectionRefusal(typeQuery, anonymous)?.extensions.validationErrorCode, 'INTROSPECTION_DISABLED');
    assert.equal(policy('public').introspectionRefusal(introspection, anonymous), undefined);
    assert.ok(policy('off').introspectionRefusal(introspection, admin));
    for (const p of ['admin', 'off']) assert.equal(policy(p).introspectionRefusal(typename, anonymous), undefined, p);
  });
});
