import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DatabaseKind, loadConfig, parseDatabaseUrl } from '../../src/config/config.js';
import { isSourceAllowed } from '../../src/modules/inbox/source-allow-list.js';

describe('configuration', () => {
  it('defaults to an SQLite file under ./data and port 4000', () => {
    const c = loadConfig({});
    assert.equal(c.port, 4000);
    assert.equal(c.database.kind, DatabaseKind.SQLITE);
    assert.match(c.database.url, /data\/order-reconciler\.sqlite$/);
    assert.equal(c.publicBaseUrl, 'http://localhost:4000');
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.quickpay));
  });

  it('selects PostgreSQL by URL scheme', () => {
    assert.equal(parseDatabaseUrl('postgres://u@h/db').kind, DatabaseKind.POSTGRESQL);
    assert.equal(parseDatabaseUrl('postgresql://u@h/db').kind, DatabaseKind.POSTGRESQL);
    assert.equal(parseDatabaseUrl('/tmp/x.sqlite').kind, DatabaseKind.SQLITE);
  });

  it('needs PUBLIC_BASE_URL when the port is picked at start-up', () => {
    assert.throws(() => loadConfig({ PORT: '0' }), /PUBLIC_BASE_URL/);
    assert.equal(loadConfig({ PORT: '0', PUBLIC_BASE_URL: 'https://shop.example/' }).publicBaseUrl, 'https://shop.example');
  });

  it('refuses a headers timeout longer than the request timeout (Node would refuse to start)', () => {
    assert.throws(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '1000' }), /HTTP_HEADERS_TIMEOUT_MS/);
  });

  it('lists every problem at once', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', ADMIN_API_KEY: 'short', REDIS_URL: 'not a url' }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 3,
    );
  });
});

describe('source allow-list', () => {
  it('allows anyone when empty, and only listed ranges otherwise', () => {
    assert.ok(isSourceAllowed('203.0.113.9', []));
    assert.ok(isSourceAllowed('194.50.38.17', ['194.50.38.0/24']));
    assert.ok(isSourceAllowed('::ffff:194.50.38.17', ['194.50.38.0/24']));
    assert.ok(!isSourceAllowed('194.50.39.1', ['194.50.38.0/24']));
    assert.ok(!isSourceAllowed(null, ['194.50.38.0/24']));
    assert.ok(isSourceAllowed('127.0.0.1', ['127.0.0.1']));
  });
});
