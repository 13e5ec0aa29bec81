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
    assert.ok(Object.isFrozen(c));
    assert.equal(c.gateways.size, 0, 'no gateway is configured by default');
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

  it('reads the shop webhook: none by default; a URL needs a Standard Webhooks secret, checked at start-up and never echoed', () => {
    assert.deepEqual(loadConfig({}).shopWebhook, { url: null, secret: null, timeoutMs: 10_000, answerKeepBytes: 512 });
    assert.equal(loadConfig({ SHOP_WEBHOOK_URL: '' }).shopWebhook.url, null, 'empty means not set');
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const c = loadConfig({ SHOP_WEBHOOK_URL: 'https://shop.example/hooks', SHOP_WEBHOOK_SECRET: secret, SHOP_WEBHOOK_TIMEOUT_MS: '2500', SHOP_WEBHOOK_ANSWER_KEEP: '64' });
    assert.deepEqual(c.shopWebhook, { url: 'https://shop.example/hooks', secret, timeoutMs: 2500, answerKeepBytes: 64 });
    assert.ok(Object.isFrozen(c.shopWebhook));

    const refused = (env: Record<string, string>, pattern: RegExp) =>
      assert.throws(() => loadConfig(env), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, pattern);
        if (env.SHOP_WEBHOOK_SECRET) assert.ok(!e.message.includes(env.SHOP_WEBHOOK_SECRET.slice(6)), 'the secret is not echoed');
        return true;
      });
    refused({ SHOP_WEBHOOK_URL: 'https://shop.example/hooks' }, /SHOP_WEBHOOK_SECRET: required when SHOP_WEBHOOK_URL is set/);
    refused({ SHOP_WEBHOOK_URL: 'https://shop.example/hooks', SHOP_WEBHOOK_SECRET: Buffer.alloc(32, 1).toString('base64') }, /SHOP_WEBHOOK_SECRET: must start with whsec_/);
    refused({ SHOP_WEBHOOK_URL: 'https://shop.example/hooks', SHOP_WEBHOOK_SECRET: 'whsec_not base64!!' }, /SHOP_WEBHOOK_SECRET: .*base64/);
    refused({ SHOP_WEBHOOK_URL: 'https://shop.example/hooks', SHOP_WEBHOOK_SECRET: `whsec_${Buffer.alloc(16, 1).toString('base64')}` }, /SHOP_WEBHOOK_SECRET: the key must be 24 to 64 bytes, it is 16/);
    refused({ SHOP_WEBHOOK_URL: 'ftp://shop.example/hooks', SHOP_WEBHOOK_SECRET: secret }, /SHOP_WEBHOOK_URL: must be an http\(s\) URL/);
    refused({ SHOP_WEBHOOK_URL: 'https://user:pw@shop.example/hooks', SHOP_WEBHOOK_SECRET: secret }, /SHOP_WEBHOOK_URL: must not carry credentials/);
    refused({ SHOP_WEBHOOK_TIMEOUT_MS: '0' }, /SHOP_WEBHOOK_TIMEOUT_MS/);
    refused({ SHOP_WEBHOOK_URL: 'https://shop.example/hooks', SHOP_WEBHOOK_SECRET: secret, SHOP_WEBHOOK_TIMEOUT_MS: '5000', OUTBOX_LEASE_MS: '5000' }, /SHOP_WEBHOOK_TIMEOUT_MS: must be shorter than OUTBOX_LEASE_MS/);
    assert.equal(loadConfig({ OUTBOX_LEASE_MS: '1000' }).outbox.leaseMs, 1000, 'without a webhook its timeout does not matter');
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
