// What both storefront pages share: GraphQL over HTTP, money formatting, and the shopper's local state
// (cart id, and each order's access token, which only this browser holds).

export const GRAPHQL_URL = '/graphql';

export class GraphQLRequestError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code;
  }
}

/** Runs one operation; returns `data` or throws GraphQLRequestError. */
export async function gql(query, variables = {}, token = null) {
  const res = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error(`The shop answered ${res.status} ${res.statusText}`);
  }
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  return body.data;
}

/** Minor units to a display amount in the currency's own decimals: 4500 DKK -> "DKK 45.00". */
export function formatMoney(minor, currency) {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** An idempotency key per checkout attempt (crypto.randomUUID needs a secure context; this does not). */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'web-' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const CART_KEY = 'orderReconcilerDemo.cartId';
const EMAIL_KEY = 'orderReconcilerDemo.email';
const tokenKey = (orderId) => `orderReconcilerDemo.orderToken.${orderId}`;
const attemptKey = (cartId) => `orderReconcilerDemo.checkoutKey.${cartId}`;

export const local = {
  cartId: () => localStorage.getItem(CART_KEY),
  setCartId: (id) => localStorage.setItem(CART_KEY, id),
  forgetCart: () => localStorage.removeItem(CART_KEY),
  orderToken: (orderId) => localStorage.getItem(tokenKey(orderId)),
  setOrderToken: (orderId, token) => localStorage.setItem(tokenKey(orderId), token),
  checkoutKey: (cartId) => localStorage.getItem(attemptKey(cartId)),
  setCheckoutKey: (cartId, key) => localStorage.setItem(attemptKey(cartId), key),
  email: () => localStorage.getItem(EMAIL_KEY),
  setEmail: (email) => localStorage.setItem(EMAIL_KEY, email),
};

/** Shows a message in an element (or hides it when `text` is empty). */
export function show(el, text) {
  el.textContent = text ?? '';
  el.hidden = !text;
}
