/**
 * Lyra's signatures and their verification (GATEWAYS.md): the published example must give exactly the published
 * HMAC-SHA-256 and SHA-1 values, and anything that differs from what Lyra signed must be refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LyraGateway } from '../../src/gateways/lyra/lyra.adapter.js';
import { readLyraConfig } from '../../src/gateways/lyra/lyra.config.js';
import { signForm, signRestAnswer, verifyRestAnswer } from '../../src/gateways/lyra/lyra.signing.js';
import { formRefusal, restRefusal } from '../../src/gateways/lyra/lyra.verify.js';

const PUBLISHED = {
  vads_action_mode: 'INTERACTIVE',
  vads_amount: '5124',
  vads_ctx_mode: 'TEST',
  vads_currency: '978',
  vads_page_action: 'PAYMENT',
  vads_payment_config: 'SINGLE',
  vads_site_id: '12345678',
  vads_trans_date: '20170129130025',
  vads_trans_id: '123456',
  vads_version: 'V2',
};
const KEY = '1122334455667788';
const HMAC = 'ycA5Do5tNvsnKdc/eP1bj2xa19z9q3iWPy9/rpesfS0=';
const SHA1 = '59c96b34c74b9375c332b0b6a32e6deeec87de2b';

const config = (env: Record<string, string> = {}) =>
  readLyraConfig({ LYRA_SITE_ID: '12345678', LYRA_KEY_TEST: KEY, LYRA_KEY_PRODUCTION: 'prodkey', LYRA_REST_PASSWORD: 'restpw', LYRA_REST_HMAC_KEY: 'hmackey', ...env }).config!;

describe('Lyra form signature: the published example', () => {
  it('gives the published HMAC-SHA-256 value', () => assert.equal(signForm(PUBLISHED, KEY, 'HMAC_SHA256'), HMAC));
  it('gives the published SHA-1 value', () => assert.equal(signForm(PUBLISHED, KEY, 'SHA1'), SHA1));
  it('ignores fields that are not vads_ fields and the order they come in', () => {
    const shuffled = Object.fromEntries(Object.entries({ ...PUBLISHED, signature: 'x', other: 'y' }).reverse());
    assert.equal(signForm(shuffled, KEY, 'HMAC_SHA256'), HMAC);
  });
  it('accepts the published example with either signature when SHA-1 is configured', () => {
    assert.equal(formRefusal({ ...PUBLISHED, signature: HMAC }, config({ LYRA_SIGNATURE_ALGORITHM: 'SHA1' })), undefined);
    assert.equal(formRefusal({ ...PUBLISHED, signature: SHA1 }, config({ LYRA_SIGNATURE_ALGORITHM: 'SHA1' })), undefined);
  });
  it('accepts HMAC-SHA-256, and SHA-1 only during a switch (LYRA_ACCEPT_SHA1)', () => {
    assert.equal(formRefusal({ ...PUBLISHED, signature: HMAC }, config()), undefined);
    assert.match(formRefusal({ ...PUBLISHED, signature: SHA1 }, config()) ?? '', /SHA-1 signature, while the shop signs with HMAC-SHA-256/);
    assert.equal(formRefusal({ ...PUBLISHED, signature: SHA1 }, config({ LYRA_ACCEPT_SHA1: 'true' })), undefined);
  });
});

describe('Lyra form verification refuses what Lyra did not sign', () => {
  const signed = { ...PUBLISHED, signature: HMAC };
  const refused = (fields: Record<string, string>, c = config()) => assert.ok(formRefusal(fields, c), `accepted: ${JSON.stringify(fields)}`);

  it('a forged signature of the right shape', () => refused({ ...PUBLISHED, signature: signForm(PUBLISHED, 'another key', 'HMAC_SHA256') }));
  it('no signature, an empty one, a truncated one', () => {
    refused({ ...PUBLISHED });
    refused({ ...PUBLISHED, signature: '' });
    refused({ ...PUBLISHED, signature: HMAC.slice(0, 43) });
    refused({ ...PUBLISHED, signature: SHA1.slice(0, 39) });
  });
  it('a changed amount', () => refused({ ...signed, vads_amount: '5125' }));
  it('a value re-encoded (a space for a +, percent-encoding left in, case changed)', () => {
    refused({ ...signed, vads_page_action: 'PAY MENT' });
    refused({ ...signed, vads_trans_date: '20170129130025 ' });
    refused({ ...signed, vads_action_mode: 'interactive' });
    refused({ ...signed, vads_version: 'V%32' });
  });
  it('an added or removed vads_ field', () => {
    refused({ ...signed, vads_trans_status: 'AUTHORISED' });
    const { vads_trans_id: _, ...removed } = signed;
    refused(removed);
  });
  it('a signature in upper-case hex (SHA-1 is lowercase hex)', () => refused({ ...PUBLISHED, signature: SHA1.toUpperCase() }, config({ LYRA_SIGNATURE_ALGORITHM: 'SHA1' })));
  it('a correctly signed message for another shop', () => {
    const other = { ...PUBLISHED, vads_site_id: '87654321' };
    assert.match(formRefusal({ ...other, signature: signForm(other, KEY, 'HMAC_SHA256') }, config()) ?? '', /another shop/);
  });
  it('a correctly signed message of the other mode', () => {
    const prod = { ...PUBLISHED, vads_ctx_mode: 'PRODUCTION' };
    assert.match(formRefusal({ ...prod, signature: signForm(prod, 'prodkey', 'HMAC_SHA256') }, config()) ?? '', /PRODUCTION mode, while the shop runs in TEST/);
    // And a TEST message, signed with the TEST key, at a shop that runs in PRODUCTION.
    assert.match(formRefusal(signed, config({ LYRA_CTX_MODE: 'PRODUCTION' })) ?? '', /TEST mode, while the shop runs in PRODUCTION/);
  });
  it('a message of a mode whose key is not configured', () => {
    const c = readLyraConfig({ LYRA_SITE_ID: '12345678', LYRA_KEY_TEST: KEY }).config!;
    const prod = { ...PUBLISHED, vads_ctx_mode: 'PRODUCTION' };
    assert.match(formRefusal({ ...prod, signature: signForm(prod, '', 'HMAC_SHA256') }, c) ?? '', /key is not configured/);
  });
});

describe('Lyra REST hash', () => {
  const answer = JSON.stringify({ shopId: '12345678', orderDetails: { orderId: 'L1', mode: 'TEST' }, transactions: [], url: 'https://x/y' });
  const escaped = answer.replaceAll('/', '\\/');

  it('is the lowercase hex HMAC over kr-answer with \\/ unescaped', () => {
    assert.notEqual(escaped, answer);
    assert.equal(signRestAnswer(escaped, 'restpw'), signRestAnswer(answer, 'restpw'));
    assert.match(signRestAnswer(answer, 'restpw'), /^[0-9a-f]{64}$/);
    assert.ok(verifyRestAnswer(escaped, signRestAnswer(answer, 'restpw'), 'restpw'));
    assert.ok(!verifyRestAnswer(escaped, signRestAnswer(answer, 'other'), 'restpw'));
    assert.ok(!verifyRestAnswer(answer, signRestAnswer(answer, 'restpw').toUpperCase(), 'restpw'));
  });

  const ipn = (krAnswer: string, key: string, hashKey: string) => ({ 'kr-answer': krAnswer, 'kr-hash': signRestAnswer(krAnswer, key), 'kr-hash-algorithm': 'sha256_hmac', 'kr-hash-key': hashKey, 'kr-answer-type': 'V4/Payment' });

  it('takes a server IPN hashed with the REST password, with or without \\/ escapes', () => {
    assert.equal(restRefusal(ipn(answer, 'restpw', 'password'), config(), 'server'), undefined);
    assert.equal(restRefusal(ipn(escaped, 'restpw', 'password'), config(), 'server'), undefined);
  });
  it('refuses a browser return (HMAC key) posted as a server notification, and the reverse', () => {
    assert.match(restRefusal(ipn(answer, 'hmackey', 'sha256_hmac'), config(), 'server') ?? '', /browser return is not a server notification/);
    assert.ok(restRefusal(ipn(answer, 'restpw', 'password'), config(), 'browser'));
    assert.equal(restRefusal(ipn(answer, 'hmackey', 'sha256_hmac'), config(), 'browser'), undefined);
  });
  it('refuses a changed answer, a wrong key, another shop or mode', () => {
    const m = ipn(answer, 'restpw', 'password');
    assert.ok(restRefusal({ ...m, 'kr-answer': answer.replace('L1', 'L2') }, config(), 'server'));
    assert.ok(restRefusal(ipn(answer, 'wrong', 'password'), config(), 'server'));
    const other = answer.replace('12345678', '87654321');
    assert.match(restRefusal(ipn(other, 'restpw', 'password'), config(), 'server') ?? '', /another shop/);
    const prod = answer.replace('"TEST"', '"PRODUCTION"');
    assert.match(restRefusal(ipn(prod, 'restpw', 'password'), config(), 'server') ?? '', /PRODUCTION mode/);
  });
});

describe('Lyra notification verification through the adapter (raw url-encoded bodies)', () => {
  const gateway = new LyraGateway(config());
  const body = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());

  it('verifies the published example as a body, and refuses it once a + becomes a space', async () => {
    const raw = body({ ...PUBLISHED, signature: HMAC });
    assert.equal(await gateway.verifyNotification(raw), undefined);
    // A literal + in a url-encoded body is a space: the value Lyra signed is not the one that arrives.
    const tampered = Buffer.from(raw.toString().replace('vads_amount=5124', 'vads_amount=5124+'));
    assert.ok(await gateway.verifyNotification(tampered));
  });
  it('refuses a body with a vads_ field given twice', async () => {
    const raw = Buffer.from(`${new URLSearchParams({ ...PUBLISHED, signature: HMAC })}&vads_amount=1`);
    assert.match((await gateway.verifyNotification(raw)) ?? '', /given twice/);
  });
  it('refuses a signature whose base64 + was sent unencoded (read as a space)', async () => {
    const fields = { ...PUBLISHED, vads_trans_id: '000001' };
    let sig = signForm(fields, KEY, 'HMAC_SHA256');
    let n = 1;
    while (!sig.includes('+')) {
      fields.vads_trans_id = String(++n).padStart(6, '0');
      sig = signForm(fields, KEY, 'HMAC_SHA256');
    }
    const good = `${new URLSearchParams(fields)}&signature=${encodeURIComponent(sig)}`;
    assert.equal(await gateway.verifyNotification(Buffer.from(good)), undefined);
    const raw = `${new URLSearchParams(fields)}&signature=${sig}`;
    assert.ok(await gateway.verifyNotification(Buffer.from(raw)));
  });
});
