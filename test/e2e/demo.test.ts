/**
 * The demo as `npm run demo` starts it (startDemo, the function main.ts calls), on a temporary database and free
 * ports: the storefront's pages and scripts are served, graphql-ws's browser build loads without bare imports, the
 * catalogue is seeded once, the service and its in-process simulator agree on the keys (one payment through), and
 * the confirmation e-mail reaches the demo's own SMTP server and its mailbox page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, validate } from 'graphql';
import { DEMO_CATALOGUE, seedCatalogue, startDemo, type RunningDemo } from '../../src/demo/demo.js';
import { GRAPHQL_WS_BROWSER_PATH, projectRoot } from '../../src/demo/storefront.routes.js';
import { buildAppSchema } from '../../src/graphql/schema.js';
import { watchPaymentStatus } from '../support/subscriptions.js';
import { openPaymentWindow, pay } from './payment-window.js';

interface GqlBody<T> {
  data?: T;
  errors?: { message: string }[];
}

describe('npm run demo', () => {
  let demo: RunningDemo;
  let dir: string;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reconciler-demo-'));
    demo = await startDemo({ DATABASE_URL: join(dir, 'demo.sqlite'), PORT: '0', SIMULATOR_PORT: '0', DEMO_SMTP_PORT: '0', LOG_LEVEL: 'silent' });
    base = demo.service.url;
  });
  after(async () => {
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  };
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> => {
    const res = await fetch(demo.urls.graphql, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlBody<T>;
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data!;
  };

  it('serves the storefront pages, and every script and stylesheet they load', async () => {
    const pages = { '/shop/': 'id="products"', '/shop/confirmation.html': 'id="status"', '/shop/mailbox.html': 'id="messages"' };
    for (const [path, marker] of Object.entries(pages)) {
      const page = await get(path);
      assert.equal(page.status, 200, path);
      assert.match(page.type, /^text\/html/, path);
      assert.ok(page.body.includes(marker), `${path} has ${marker}`);
      const assets = [...page.body.matchAll(/(?:src|href)="(\/shop\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
      assert.ok(assets.length >= 2, `${path} loads its script and stylesheet: ${assets}`);
      for (const asset of assets) {
        const res = await get(asset);
        assert.equal(res.status, 200, asset);
        assert.match(res.type, asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, asset);
      }
    }
    assert.equal((await get('/')).status, 200, 'the root redirects to the shop (fetch follows it)');
  });

  it('serves graphql-ws\'s browser build as JavaScript, with its chunks and no bare imports', async () => {
    const entry = await get(GRAPHQL_WS_BROWSER_PATH);
    assert.equal(entry.status, 200);
    assert.match(entry.type, /^text\/javascript/);
    assert.match(entry.body, /export\s*\{[^}]*\bcreateClient\b/);
    const imports = [...entry.body.matchAll(/^(?:import|export)\b[^;'"]*?(?:from\s*)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    for (const spec of imports) {
      assert.ok(spec.startsWith('./'), `a browser can resolve ${spec}`);
      const chunk = await get(new URL(spec, `${base}${GRAPHQL_WS_BROWSER_PATH}`).pathname);
      assert.equal(chunk.status, 200, spec);
      assert.match(chunk.type, /^text\/javascript/);
    }
    const confirmation = await get('/shop/confirmation.js');
    assert.ok(confirmation.body.includes(`from '${GRAPHQL_WS_BROWSER_PATH}'`), 'the confirmation page imports it from there');
  });

  it('serves the pages\' GraphQL operations as a module, each valid against the schema and answered by the service', async () => {
    const res = await get('/shop/operations.js');
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/javascript/);
    const { operations } = (await import(`data:text/javascript,${encodeURIComponent(res.body)}`)) as { operations: Record<string, string> };
    const schema = await buildAppSchema();
    for (const [name, text] of Object.entries(operations)) {
      assert.deepEqual(validate(schema, parse(text)).map((e) => e.message), [], name);
    }
    for (const page of ['/shop/storefront.js', '/shop/confirmation.js']) {
      const used = [...(await get(page)).body.matchAll(/\boperations\.([A-Z]\w*)/g)].map((m) => m[1]);
      assert.ok(used.length > 0, `${page} takes its operations from the module`);
      for (const name of used) assert.ok(operations[name], `${page} uses ${name}, which operations.graphql defines`);
    }
    const { products } = await gql<{ products: { sku: string }[] }>(operations.DemoProducts);
    assert.equal(products.length, DEMO_CATALOGUE.length);
  });

  it('serves nothing else', async () => {
    for (const path of ['/shop/missing.html', '/shop/..%2Fpackage.json', '/shop/vendor/..%2F..%2Fpackage.json', '/shop/vendor/server.js']) {
      assert.equal((await get(path)).status, 404, path);
    }
  });

  it('has browser scripts that parse as ES modules', () => {
    const dirPath = join(projectRoot(), 'src', 'demo', 'public');
    for (const file of readdirSync(dirPath).filter((f) => f.endsWith('.js'))) {
      const check = spawnSync(process.execPath, ['--check', join(dirPath, file)], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${file}: ${check.stderr}`);
    }
  });

  it('seeds the catalogue once: a second seed keeps the stock as it is', async () => {
    const query = '{ products { sku currency stockOnHand } }';
    const first = await gql<{ products: { sku: string; currency: string; stockOnHand: number }[] }>(query);
    assert.deepEqual(first.products.map((p) => p.sku).sort(), DEMO_CATALOGUE.map((p) => p.sku).sort());
    assert.ok(first.products.every((p) => p.currency === 'DKK'));
    await demo.service.services.products.upsert({ ...DEMO_CATALOGUE[0], stockOnHand: 3 });
    await seedCatalogue(demo.service);
    const second = await gql<typeof first>(query);
    assert.equal(second.products.length, DEMO_CATALOGUE.length);
    assert.equal(second.products.find((p) => p.sku === DEMO_CATALOGUE[0].sku)?.stockOnHand, 3);
  });

  it('pays through its own simulator (the keys match, the shopper returns to the confirmation page) and mails the confirmation to its own mailbox, once', async (t) => {
    const cart = '{ createCart(currency: "DKK") { id } }';
    const { createCart } = await gql<{ createCart: { id: string } }>(`mutation ${cart}`);
    await gql('mutation ($id: ID!) { addCartLine(cartId: $id, sku: "TEA-SENCHA", quantity: 2) { id } }', { id: createCart.id });
    // What storefront.js sends: its own origin's confirmation page as the return URL.
    const returnUrl = `${base}/shop/confirmation.html?order={orderId}&outcome={outcome}`;
    const { checkout } = await gql<{
      checkout: { accessToken: string; order: { id: string }; redirect: { method: string; url: string; fields: { name: string; value: string }[] } };
    }>(
      `mutation ($input: CheckoutInputType!) {
        checkout(input: $input) { accessToken order { id } redirect { method url fields { name value } } }
      }`,
      { input: { cartId: createCart.id, paymentMethod: 'card', idempotencyKey: 'demo-test-0001', returnUrl, email: 'ada@example.com' } },
    );
    assert.equal(checkout.redirect.url, `${demo.urls.simulator}/`);

    const live = watchPaymentStatus(base, checkout.order.id, checkout.accessToken);
    t.after(() => live.close());
    const hop = await pay(await openPaymentWindow(checkout.redirect));
    assert.equal(hop.status, 303);
    assert.equal(hop.location, `${base}/shop/confirmation.html?order=${checkout.order.id}&outcome=success`);
    const page = await fetch(hop.location!);
    assert.equal(page.status, 200);
    await page.text();
    const updates = await live.until((u) => u.some((x) => x.orderStatus === 'READY'));
    assert.equal(updates.at(-1)?.paymentStatus, 'AUTHORIZED');

    // The demo's workers send the confirmation to the demo's own SMTP server; its mailbox page lists it, once.
    const confirmationId = `<order-${checkout.order.id}.confirmation@${new URL(base).hostname}>`;
    type Mailbox = { messages: { messageId: string; to: string[]; subject: string; text: string; html: string | null }[] };
    let mailbox: Mailbox = { messages: [] };
    for (let i = 0; i < 200 && !mailbox.messages.some((m) => m.messageId === confirmationId); i++) {
      await sleep(50);
      mailbox = (await (await fetch(`${base}/shop/mailbox.json`)).json()) as Mailbox;
    }
    const confirmations = mailbox.messages.filter((m) => m.messageId === confirmationId);
    assert.equal(confirmations.length, 1, JSON.stringify(mailbox.messages.map((m) => m.messageId)));
    assert.deepEqual(confirmations[0].to, ['ada@example.com']);
    assert.match(confirmations[0].subject, /Your order R\w+ at Leaf & Kettle is confirmed/);
    assert.match(confirmations[0].text, /2 x Sencha green tea, 100 g/);
    assert.ok(confirmations[0].html?.includes('Sencha green tea'));
  });
});
