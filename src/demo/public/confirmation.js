// The page QuickPay sends the shopper back to: /shop/confirmation.html?order={orderId}&outcome={success|cancel}.
// It reports the redirect outcome (a hint: it never marks the order paid), then watches the order's payment status
// live over graphql-ws until the gateway's verified word arrives.
import { createClient } from '/shop/vendor/graphql-ws.js';
import { operations } from '/shop/operations.js';
import { formatMoney, gql, local, show } from '/shop/shop-api.js';

const ORDER = operations.DemoOrder;
const REPORT = operations.DemoReportRedirectOutcome;
const WATCH = operations.DemoPaymentStatusChanged;

const OUTCOMES = { success: 'SUCCESS', cancel: 'CANCEL' };
const FLAG_TEXT = {
  TEST_PAYMENT_REFUSED: 'The payment was made with a test card, which this shop does not accept.',
  AMOUNT_MISMATCH: 'The amount authorised differs from the order total; the shop will contact you.',
  COUPON_ALREADY_USED: 'A coupon on this order had already been used; the shop will review the order.',
  LATE_AUTHORIZATION_TO_VOID: 'The payment arrived after the order was cancelled; it will be voided.',
  PAYMENT_EXPIRED: 'No payment came through for this order; it was cancelled and nothing was charged.',
  PAYMENT_REFUNDED: 'The payment was refunded.',
  OUT_OF_STOCK: 'Part of the order is out of stock; the shop will contact you.',
};
const PAYMENT_TEXT = {
  INITIATED: 'Not paid yet.',
  // Seed 003's text for the confirmation page while the payment is pending.
  PENDING:
    'We have received your order but the shop is awaiting some information about the payment. You will receive an order confirmation e-mail as soon as this is resolved. If you do not receive an order confirmation e-mail within a few hours, please contact us.',
  AUTHORIZED: 'The amount is reserved on your card and will be charged when the order ships.',
  CAPTURED: 'The amount has been charged.',
  REFUNDED: 'The amount has been refunded.',
  REFUSED: 'The card was declined; nothing was charged.',
  CANCELLED: 'Nothing was charged.',
  EXPIRED: 'The payment expired; nothing was charged.',
};

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
const orderId = params.get('order');
const outcome = params.get('outcome');
let lastSequence = -1;
let orderCartId = null;

function fail(message) {
  show($('error'), message);
  $('status').dataset.state = 'error';
  $('status-title').textContent = 'We cannot show this order';
  $('status-message').textContent = '';
}

function describe(code) {
  return code === 'FORBIDDEN' || code === 'UNAUTHENTICATED'
    ? 'This browser does not hold the key to this order. Open the page in the browser you paid with.'
    : null;
}

function renderSummary(order) {
  $('order-id').textContent = order.id;
  $('order-lines').hidden = false;
  $('order-lines').tBodies[0].replaceChildren(
    ...order.lines.map((l) => {
      const tr = document.createElement('tr');
      for (const [i, text] of [l.name, String(l.quantity), formatMoney(l.lineTotal, order.currency)].entries()) {
        const td = document.createElement('td');
        td.textContent = text;
        if (i > 0) td.className = 'num';
        tr.append(td);
      }
      return tr;
    }),
  );
  $('order-total').textContent = formatMoney(order.total, order.currency);
  // The gateway's fee (seed 003), known once the gateway reported the payment.
  $('fee-row').hidden = $('charged-row').hidden = !(order.fee > 0);
  $('order-fee').textContent = formatMoney(order.fee, order.currency);
  $('order-charged').textContent = formatMoney(order.totalWithFee, order.currency);
  const note = order.customFields.find((f) => f.key === 'giftNote')?.value;
  show($('gift-note'), note ? `Gift note: “${note}”` : '');
}

function renderStatus(u) {
  // A reconnect starts again with the current state; never show anything older than what is on screen.
  if (u.sequence < lastSequence) return;
  lastSequence = u.sequence;
  let state;
  let title;
  if (u.orderStatus === 'READY') {
    state = 'ready';
    title = 'Payment confirmed';
    // The order is placed for good: the next visit to the shop starts a new cart.
    if (orderCartId && local.cartId() === orderCartId) local.forgetCart();
  } else if (u.orderStatus === 'CANCELLED') {
    state = 'cancelled';
    title = 'Payment cancelled; your cart is open again';
  } else {
    state = 'pending';
    title = 'We have received your order; waiting for the payment to be confirmed…';
  }
  $('status').dataset.state = state;
  $('status-title').textContent = title;
  // A cancelled order's payment may stay open at the gateway (a late authorisation can still revive the order).
  const unpaid = ['INITIATED', 'PENDING', 'CANCELLED'].includes(u.paymentStatus);
  $('status-message').textContent = state === 'cancelled' && unpaid ? 'Nothing was charged.' : (PAYMENT_TEXT[u.paymentStatus] ?? '');
  $('next-step').hidden = state !== 'cancelled';
  $('order-status').textContent = u.orderStatus;
  $('payment-status').textContent = u.paymentStatus;
  $('flags').replaceChildren(
    ...u.flags.map((f) => {
      const li = document.createElement('li');
      li.textContent = FLAG_TEXT[f] ?? f;
      li.dataset.flag = f;
      return li;
    }),
  );
  $('flags').hidden = $('flags-heading').hidden = u.flags.length === 0;
}

function logEvent(u) {
  const li = document.createElement('li');
  const time = new Date(u.changedAt).toLocaleTimeString();
  li.textContent = `#${u.sequence} · order ${u.orderStatus} · payment ${u.paymentStatus} · ${u.trigger} (${u.source.toLowerCase().replaceAll('_', ' ')}) · ${time}`;
  $('events').append(li);
}

function watch(token) {
  const client = createClient({
    url: `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 10,
    on: {
      connected: () => ($('live').textContent = 'connected'),
      closed: () => ($('live').textContent = 'reconnecting…'),
    },
  });
  client.subscribe(
    { query: WATCH, variables: { orderId } },
    {
      next: ({ data, errors }) => {
        if (errors?.length) return fail(describe(errors[0].extensions?.code) ?? errors[0].message);
        logEvent(data.paymentStatusChanged);
        renderStatus(data.paymentStatusChanged);
        // Paid: the order now carries what the gateway reported (its fee, if it added one).
        if (data.paymentStatusChanged.orderStatus === 'READY') gql(ORDER, { id: orderId }, token).then(({ order }) => renderSummary(order), () => {});
      },
      error: (e) => {
        const errors = Array.isArray(e) ? e : null;
        $('live').textContent = 'stopped';
        fail(errors ? (describe(errors[0]?.extensions?.code) ?? errors[0]?.message) : 'Lost the connection to the shop; reload the page.');
      },
      complete: () => ($('live').textContent = 'stopped'),
    },
  );
}

async function main() {
  if (!orderId) return fail('No order given.');
  const token = local.orderToken(orderId);
  if (!token) return fail(describe('FORBIDDEN'));
  $('order-id').textContent = orderId;

  const reported = OUTCOMES[outcome] ?? (outcome ? 'ERROR' : null);
  if (reported) {
    try {
      await gql(REPORT, { orderId, outcome: reported, params: [...params].map(([key, value]) => ({ key, value })) }, token);
    } catch (e) {
      // Not fatal: the gateway's callback decides anyway. Say so and keep watching.
      show($('error'), describe(e.code) ?? `Could not report your return to the shop: ${e.message}`);
    }
    // A reload watches again without reporting twice.
    window.history.replaceState(null, '', `?order=${encodeURIComponent(orderId)}`);
  }

  try {
    const { order } = await gql(ORDER, { id: orderId }, token);
    orderCartId = order.cartId;
    renderSummary(order);
  } catch (e) {
    if (!describe(e.code)) show($('error'), `Could not load the order: ${e.message}`);
  }
  watch(token);
}

main();
