import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionException } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import { ForbiddenError, NotFoundError } from '../../src/errors/app-errors.js';
import { formatError, formatSubscriptionError } from '../../src/errors/format-error.js';

const wrap = (e: Error, path?: string[]) => new GraphQLError(e.message, { originalError: e, path });

describe('the error boundary', () => {
  it('keeps the code and message of known errors, however they are wrapped', () => {
    for (const e of [new NotFoundError('Order', 'x'), wrap(new NotFoundError('Order', 'x'), ['order']), wrap(new NotFoundError('Order', 'x'))]) {
      const f = formatError(e.toJSON(), e);
      assert.equal(f.extensions?.code, 'NOT_FOUND');
      assert.equal(f.message, 'Order x not found');
    }
  });

  it('masks anything else, and logs it', () => {
    const logged: unknown[] = [];
    const secret = new Error('connection string postgres://user:password@db');
    const f = formatError(wrap(secret, ['order']).toJSON(), wrap(secret, ['order']), (e) => logged.push(e));
    assert.deepEqual(f.extensions, { code: 'INTERNAL_SERVER_ERROR' });
    assert.equal(f.message, 'Internal server error');
    assert.deepEqual(logged, [secret]);
  });

  it('says SERVICE_UNAVAILABLE when the database is unreachable', () => {
    const e = wrap(new ConnectionException(new Error('connect ECONNREFUSED 127.0.0.1:5432')), ['checkout']);
    assert.equal(formatError(e.toJSON(), e).extensions?.code, 'SERVICE_UNAVAILABLE');
  });

  it('gives WebSocket request errors the validation code and keeps known codes', () => {
    const invalid = new GraphQLError('Cannot query field "x"');
    assert.equal(formatSubscriptionError(invalid).extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(formatSubscriptionError(wrap(new ForbiddenError())).extensions?.code, 'FORBIDDEN');
  });

  it('drops "Did you mean" suggestions when told to, over HTTP and WebSocket alike', () => {
    const misspelt = new GraphQLError('Cannot query field "prodcts" on type "Query". Did you mean "products" or "product"?', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const hide = { hideSuggestions: true };
    assert.equal(formatError(misspelt.toJSON(), misspelt, undefined, hide).message, 'Cannot query field "prodcts" on type "Query".');
    assert.equal(formatSubscriptionError(new GraphQLError(misspelt.message), undefined, hide).message, 'Cannot query field "prodcts" on type "Query".');
    assert.equal(formatError(misspelt.toJSON(), misspelt).message, misspelt.message, 'kept unless told');
  });
});
