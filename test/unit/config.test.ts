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

describe('mail settings', () => {
  it('default to the local mail folder, no shop address, and a no-reply sender at the public host', () => {
    const { mail } = loadConfig({ PUBLIC_BASE_URL: 'https://shop.example' });
    assert.equal(mail.smtpUrl, undefined);
    assert.match(mail.dir, /data\/mail$/);
    assert.deepEqual(mail.shopAdminEmails, []);
    assert.equal(mail.from, 'Order Reconciler <no-reply@shop.example>');
    assert.equal(mail.messageIdHost, 'shop.example');
    assert.equal(mail.templatesDir, undefined);
  });

  it('keep SMTP credentials out of what logs show, and read several shop addresses', () => {
    const { mail } = loadConfig({ SMTP_URL: 'smtp://user:secret@mail.example:587', SHOP_ADMIN_EMAIL: 'a@shop.example, b@shop.example', MAIL_FROM: '"Leaf & Kettle" <orders@shop.example>' });
    assert.equal(mail.smtpServer, 'smtp://mail.example:587');
    assert.deepEqual(mail.shopAdminEmails, ['a@shop.example', 'b@shop.example']);
    assert.equal(mail.from, '"Leaf & Kettle" <orders@shop.example>');
  });

  it('refuse what cannot work: other URL schemes, bad addresses, a timeout the lease cannot cover, unknown zones', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems;
      }
    };
    assert.match(problems({ SMTP_URL: 'http://mail.example' }).join(), /SMTP_URL/);
    assert.match(problems({ MAIL_FROM: 'orders at shop' }).join(), /MAIL_FROM/);
    assert.match(problems({ MAIL_FROM: 'Shop\r\nBcc: x@y.example <orders@shop.example>' }).join(), /MAIL_FROM/);
    assert.match(problems({ SHOP_ADMIN_EMAIL: 'ok@shop.example,not an address' }).join(), /SHOP_ADMIN_EMAIL: not an address/);
    assert.match(problems({ SMTP_URL: 'smtp://mail.example', SMTP_TIMEOUT_MS: '60000', OUTBOX_LEASE_MS: '60000' }).join(), /SMTP_TIMEOUT_MS/);
    assert.match(problems({ MAIL_TIME_ZONE: 'Mars/Olympus_Mons' }).join(), /MAIL_TIME_ZONE/);
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
