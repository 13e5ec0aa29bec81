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

  it('says SERVICE_UNAVAILABLE when the database is unreachable, busy or cannot write, in every shape the drivers raise it', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
    const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code, name: 'SqliteError' });
    const unavailable = [
      new ConnectionException(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
      // Raw pg errors: Kysely acquires connections outside MikroORM's error conversion.
      pgError('55000', 'database "shop" is not currently accepting connections'),
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57P03', 'the database system is starting up'),
      pgError('53300', 'sorry, too many clients already'),
      pgError('55P03', 'canceling statement due to lock timeout'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      sqliteError('SQLITE_BUSY', 'database is locked'),
      sqliteError('SQLITE_BUSY_SNAPSHOT', 'database is locked'),
      sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error'),
      sqliteError('SQLITE_READONLY', 'attempt to write a readonly database'),
      sqliteError('SQLITE_FULL', 'database or disk is full'),
      // Wrapped by MikroORM (`previous`) and by Node (`cause`).
      Object.assign(new Error('insert failed'), { previous: sqliteError('SQLITE_BUSY', 'database is locked') }),
      new Error('query failed', { cause: pgError('57P01', 'terminating connection') }),
    ];
    for (const original of unavailable) {
      const e = wrap(original, ['createCart']);
      assert.equal(formatError(e.toJSON(), e).extensions?.code, 'SERVICE_UNAVAILABLE', original.message);
    }
    for (const permanent of [pgError('22003', 'integer out of range'), pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'), sqliteError('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed')]) {
      const e = wrap(permanent, ['checkout']);
      assert.equal(formatError(e.toJSON(), e).extensions?.code, 'INTERNAL_SERVER_ERROR', permanent.message);
    }
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
