/**
 * Stripe-Signature verification against headers made by Stripe's own library (`generateTestHeaderString` of the
 * official `stripe` package), not by our signer: several v1 values, the tolerance's edges both ways, v0 only,
 * malformed headers, a body re-encoded, and a replay of an old event.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { readStripeConfig } from '../../src/gateways/stripe/stripe.config.js';
import { StripeGateway } from '../../src/gateways/stripe/stripe.adapter.js';
import { parseSignatureHeader, verifySignature } from '../../src/gateways/stripe/stripe.signing.js';

const SECRET = 'whsec_test_secret_for_unit_tests';
const stripe = new Stripe('sk_test_x');
const config = readStripeConfig({ STRIPE_API_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: SECRET }).config!;
const gateway = new StripeGateway(config, () => Promise.reject(new Error('no network in unit tests')));

/** A fixed clock: 2026-03-01T12:00:00Z. */
const NOW_S = Date.UTC(2026, 2, 1, 12) / 1000;
const at = (seconds: number) => ({ now: new Date(seconds * 1000), storedPayment: async () => null });
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', object: 'payment_intent', metadata: { reference: 'S1' } } } }, null, 2);
const header = (opts: { payload?: string; secret?: string; timestamp?: number } = {}) =>
  stripe.webhooks.generateTestHeaderString({ payload: opts.payload ?? payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp ?? NOW_S });
const verify = (h: string | undefined, body = payload, now = NOW_S) => gateway.verifyNotification(Buffer.from(body), h === undefined ? {} : { 'stripe-signature': h }, at(now));

describe('Stripe-Signature verification', () => {
  it('accepts a header Stripe signed over this body with our secret', async () => {
    assert.equal(await verify(header()), undefined);
  });

  it('refuses a header signed with another secret', async () => {
    assert.match((await verify(header({ secret: 'whsec_someone_else' })))!, /no v1 signature matches/);
  });

  it('accepts when any of several v1 values matches (a secret being rolled), whatever its position', async () => {
    const good = header().split(',').find((p) => p.startsWith('v1='))!;
    const bad = header({ secret: 'whsec_old' }).split(',').find((p) => p.startsWith('v1='))!;
    assert.equal(await verify(`t=${NOW_S},${bad},${good}`), undefined);
    assert.equal(await verify(`t=${NOW_S},${good},${bad}`), undefined);
    assert.match((await verify(`t=${NOW_S},${bad},${bad}`))!, /no v1 signature matches/);
  });

  it('accepts a timestamp exactly 300 s old or ahead, and refuses 301 s either way', async () => {
    assert.equal(await verify(header({ timestamp: NOW_S - 300 })), undefined);
    assert.equal(await verify(header({ timestamp: NOW_S + 300 })), undefined);
    assert.match((await verify(header({ timestamp: NOW_S - 301 })))!, /301 s away/);
    assert.match((await verify(header({ timestamp: NOW_S + 301 })))!, /301 s away/, 'a timestamp from the future is refused too');
  });

  it('refuses a replay of an old event, correctly signed, by the tolerance', async () => {
    const signedYesterday = header({ timestamp: NOW_S - 86_400 });
    assert.equal(await verify(signedYesterday, payload, NOW_S - 86_400 + 5), undefined, 'authentic when it was sent');
    assert.match((await verify(signedYesterday))!, /tolerance 300 s/);
  });

  it('refuses a signature whose timestamp was changed (t is signed)', async () => {
    const h = header({ timestamp: NOW_S - 1000 }).replace(/t=\d+/, `t=${NOW_S}`);
    assert.match((await verify(h))!, /no v1 signature matches/);
  });

  it('refuses the same event re-encoded (whitespace changed): the raw bytes are what is signed', async () => {
    const h = header();
    assert.match((await verify(h, JSON.stringify(JSON.parse(payload))))!, /no v1 signature matches/);
    assert.match((await verify(h, payload + '\n'))!, /no v1 signature matches/);
  });

  it('ignores v0 and other schemes: a header with only v0 is refused, v0 beside a good v1 does not matter', async () => {
    const v1 = header().split(',').find((p) => p.startsWith('v1='))!.slice(3);
    assert.match((await verify(`t=${NOW_S},v0=${v1}`))!, /no v1 signature/);
    assert.equal(await verify(`t=${NOW_S},v0=${'0'.repeat(64)},v1=${v1},v2=whatever`), undefined);
  });

  it('refuses malformed headers', async () => {
    const v1 = header().split(',').find((p) => p.startsWith('v1='))!.slice(3);
    const cases: [string | undefined, RegExp][] = [
      [undefined, /missing stripe-signature/],
      ['', /missing stripe-signature/],
      [v1, /key=value/],
      [`v1=${v1}`, /exactly one t=/],
      [`t=abc,v1=${v1}`, /exactly one t=/],
      [`t=${NOW_S},t=${NOW_S},v1=${v1}`, /exactly one t=/],
      [`t=${NOW_S}`, /no v1/],
      [`t=${NOW_S},v1=${v1.toUpperCase()}`, /64 lowercase hex/],
      [`t=${NOW_S},v1=${v1.slice(1)}`, /64 lowercase hex/],
      [`t=${NOW_S},v1=${v1},,`, /key=value/],
      [`t=${NOW_S},v1=${v1}`.padEnd(3000, ' '), /too long/],
    ];
    for (const [h, reason] of cases) assert.match((await verify(h))!, reason, JSON.stringify(h));
  });

  it('reads the header into its timestamp and v1 values', () => {
    assert.deepEqual(parseSignatureHeader(`t=12,v1=${'a'.repeat(64)},v0=x,v1=${'b'.repeat(64)}`), { timestamp: 12, v1: ['a'.repeat(64), 'b'.repeat(64)] });
  });

  it('agrees with Stripe’s own verifier on what it accepts', () => {
    const h = header({ timestamp: Math.floor(Date.now() / 1000) });
    assert.ok(stripe.webhooks.constructEvent(payload, h, SECRET), 'Stripe accepts it');
    assert.equal(verifySignature(Buffer.from(payload), h, SECRET, new Date(), 300), undefined, 'and so do we');
  });
});
