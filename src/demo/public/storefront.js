// The storefront page: catalogue, cart (its id kept in localStorage), gift note, and checkout, which ends by
// posting the signed payment window form to QuickPay, exactly as a real storefront sends the shopper there.
import { operations } from '/shop/operations.js';
import { formatMoney, gql, local, newIdempotencyKey, show } from '/shop/shop-api.js';

const CURRENCY = 'DKK';
const GIFT_NOTE = 'giftNote';
const OPS = {
  products: operations.DemoProducts,
  paymentMethods: operations.DemoPaymentMethods,
  cart: operations.DemoCart,
  createCart: operations.DemoCreateCart,
  addLine: operations.DemoAddCartLine,
  setLine: operations.DemoSetCartLine,
  setField: operations.DemoSetCartCustomField,
  checkout: operations.DemoCheckout,
};

const $ = (id) => document.getElementById(id);
let products = new Map();
let cart = null;
let busy = false;

const noteOf = (c) => c?.customFields.find((f) => f.key === GIFT_NOTE)?.value ?? '';
const isOpen = () => !cart || cart.status === 'OPEN';

/** Runs one user action at a time, showing its error; the page never keeps a half-done state. */
async function act(work) {
  if (busy) return;
  busy = true;
  show($('error'), '');
  render();
  try {
    await work();
  } catch (e) {
    show($('error'), e.code === 'CONFLICT' ? `${e.message}. Reload the page to see the cart as it is now.` : e.message);
  } finally {
    busy = false;
    render();
  }
}

async function loadCart() {
  const id = local.cartId();
  if (!id) return null;
  try {
    return (await gql(OPS.cart, { id })).cart;
  } catch (e) {
    if (e.code !== 'NOT_FOUND') throw e;
    local.forgetCart(); // e.g. the demo database was deleted
    return null;
  }
}

async function openCart() {
  if (cart?.status === 'OPEN') return cart;
  cart = (await gql(OPS.createCart, { currency: CURRENCY })).createCart;
  local.setCartId(cart.id);
  return cart;
}

function renderProducts() {
  const list = $('products');
  list.replaceChildren(
    ...[...products.values()].map((p) => {
      const li = document.createElement('li');
      li.className = 'product';
      const name = document.createElement('h3');
      name.textContent = p.name;
      const price = document.createElement('p');
      price.className = 'price';
      price.textContent = formatMoney(p.unitPrice, p.currency);
      const stock = document.createElement('p');
      stock.className = 'muted';
      stock.textContent = p.stockOnHand > 0 ? `${p.stockOnHand} in stock` : 'Sold out';
      const add = document.createElement('button');
      add.type = 'button';
      add.id = `add-${p.sku}`;
      add.textContent = 'Add to cart';
      add.setAttribute('aria-label', `Add ${p.name} to cart`);
      add.addEventListener('click', () => act(async () => {
        const c = await openCart();
        cart = (await gql(OPS.addLine, { cartId: c.id, sku: p.sku })).addCartLine;
      }));
      li.append(name, price, stock, add);
      return li;
    }),
  );
}

function render() {
  for (const button of document.querySelectorAll('.product button')) button.disabled = busy || !isOpen();
  const lines = cart?.lines ?? [];
  const pending = cart?.status === 'CHECKED_OUT';
  $('pending-order').hidden = !pending;
  if (pending && cart.currentOrderId) $('pending-order-link').href = `/shop/confirmation.html?order=${encodeURIComponent(cart.currentOrderId)}`;
  $('cart-empty').hidden = lines.length > 0;
  $('cart-lines').hidden = lines.length === 0;
  let total = 0;
  $('cart-lines').tBodies[0].replaceChildren(
    ...lines.map((line) => {
      const p = products.get(line.sku);
      const lineTotal = (p?.unitPrice ?? 0) * line.quantity;
      total += lineTotal;
      const tr = document.createElement('tr');
      const cells = [p?.name ?? line.sku, String(line.quantity), p ? formatMoney(lineTotal, p.currency) : ''];
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (i > 0) td.className = 'num';
        tr.append(td);
      });
      const td = document.createElement('td');
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'link';
      remove.id = `remove-${line.sku}`;
      remove.textContent = 'Remove';
      remove.setAttribute('aria-label', `Remove ${p?.name ?? line.sku}`);
      remove.disabled = busy || pending;
      remove.addEventListener('click', () => act(async () => {
        cart = (await gql(OPS.setLine, { cartId: cart.id, sku: line.sku, quantity: 0 })).setCartLine;
      }));
      td.append(remove);
      tr.append(td);
      return tr;
    }),
  );
  $('cart-total').textContent = formatMoney(total, cart?.currency ?? CURRENCY);
  $('gift-note').disabled = busy || pending;
  $('email').disabled = busy || pending;
  $('checkout').disabled = busy || pending || lines.length === 0;
  $('checkout').textContent = busy ? 'Please wait…' : 'Check out and pay';
}

/** Sends the shopper to the gateway: posts the signed form fields to its URL, as QuickPay wants. */
function goToPayment(redirect) {
  if (redirect.method.toUpperCase() === 'GET') {
    const url = new URL(redirect.url);
    for (const f of redirect.fields) url.searchParams.set(f.name, f.value);
    window.location.assign(url);
    return;
  }
  const form = document.createElement('form');
  form.method = 'post';
  form.action = redirect.url;
  form.hidden = true;
  for (const f of redirect.fields) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = f.name;
    input.value = f.value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

async function checkout(idempotencyKey) {
  const returnUrl = `${window.location.origin}/shop/confirmation.html?order={orderId}&outcome={outcome}`;
  // Optional for the service: without an address the order is placed, and no confirmation is sent.
  const email = $('email').value.trim() || null;
  const paymentMethod = $('payment-method').value;
  const { checkout: result } = await gql(OPS.checkout, { input: { cartId: cart.id, paymentMethod, idempotencyKey, returnUrl, email } });
  local.setOrderToken(result.order.id, result.accessToken);
  goToPayment(result.redirect);
  // The browser is leaving; keep the buttons disabled until it has.
  await new Promise(() => {});
}

$('checkout-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    local.setEmail($('email').value.trim());
    const note = $('gift-note').value.trim();
    if (note !== noteOf(cart)) cart = (await gql(OPS.setField, { cartId: cart.id, key: GIFT_NOTE, value: note })).setCartCustomField;
    const key = newIdempotencyKey();
    local.setCheckoutKey(cart.id, key);
    await checkout(key);
  });
});

// The same idempotency key gives back the same order and payment form: the way back to an unfinished payment.
$('resume-payment').addEventListener('click', () => act(async () => {
  const key = local.checkoutKey(cart.id);
  if (!key) throw new Error('This cart was checked out in another browser; start a new cart.');
  await checkout(key);
}));

$('new-cart').addEventListener('click', () => {
  local.forgetCart();
  cart = null;
  $('gift-note').value = '';
  render();
});

// Coming back with the browser's back button must not show a stale, disabled page.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload();
});

act(async () => {
  const [catalogue, saved, methods] = await Promise.all([gql(OPS.products), loadCart(), gql(OPS.paymentMethods)]);
  products = new Map(catalogue.products.map((p) => [p.sku, p]));
  // The ways to pay the shop offers, first one chosen.
  $('payment-method').replaceChildren(...methods.paymentMethods.map((m) => Object.assign(document.createElement('option'), { value: m.code, textContent: m.name })));
  cart = saved;
  $('products-loading').hidden = true;
  $('gift-note').value = noteOf(cart);
  $('email').value = local.email() ?? $('email').value;
  renderProducts();
});
