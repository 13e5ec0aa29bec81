/**
 * The HTML of the simulated payment window: one small page, no scripts, stable element ids (`#card`,
 * `#exp-month`, `#exp-year`, `#cvd`, `#pay`, `#cancel`, `#error`, `#amount`, `#order-id`) for browser tests.
 */
import type { SimPayment } from './payment-resource.js';
import { DEFAULT_TEST_CARD } from './test-cards.js';

/** What the shopper typed last time, so a declined card does not empty the form. */
export interface WindowFormValues {
  card?: string;
  expMonth?: string;
  expYear?: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Minor units to a display amount, with the currency's own number of decimals (DKK 2, JPY 0). */
export function formatAmount(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown currency code: keep two decimals rather than fail the page.
  }
  return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f3f4f6; margin: 0; padding: 2rem 1rem; color: #111827; }
  main { max-width: 24rem; margin: 0 auto; background: #fff; border-radius: .75rem; padding: 1.5rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.1rem; margin: 0 0 .25rem; } .sub { color: #6b7280; font-size: .85rem; margin: 0 0 1rem; }
  .amount { font-size: 1.6rem; font-weight: 600; margin: .5rem 0 1rem; }
  label { display: block; font-size: .8rem; color: #374151; margin: .75rem 0 .25rem; }
  input { width: 100%; box-sizing: border-box; padding: .55rem .6rem; border: 1px solid #d1d5db; border-radius: .4rem;
          font-size: 1rem; }
  .row { display: flex; gap: .5rem; } .row > div { flex: 1; }
  button { width: 100%; padding: .7rem; border: 0; border-radius: .4rem; font-size: 1rem; cursor: pointer; margin-top: 1rem; }
  #pay { background: #2563eb; color: #fff; } #cancel { background: #e5e7eb; color: #111827; margin-top: .5rem; }
  .error { background: #fee2e2; color: #991b1b; padding: .6rem .75rem; border-radius: .4rem; font-size: .9rem; }
  .note { color: #6b7280; font-size: .75rem; margin-top: 1rem; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** The card form for one payment, with an optional error above it (declined card, bad expiry...). */
export function renderWindowPage(payment: SimPayment, error?: string, values: WindowFormValues = {}): string {
  const id = payment.id;
  const errorBlock = error ? `<p id="error" class="error" role="alert">${escapeHtml(error)}</p>` : '';
  return layout(
    'QuickPay payment window (simulator)',
    `<h1>QuickPay payment (simulator)</h1>
<p class="sub">Order <span id="order-id">${escapeHtml(payment.order_id)}</span></p>
<p id="amount" class="amount">${escapeHtml(formatAmount(payment.link.amount, payment.currency))}</p>
${errorBlock}
<form id="pay-form" method="post" action="/window/${id}/pay">
  <label for="card">Card number</label>
  <input id="card" name="card" inputmode="numeric" autocomplete="cc-number" value="${escapeHtml(values.card ?? DEFAULT_TEST_CARD)}">
  <div class="row">
    <div><label for="exp-month">Expiry month</label>
      <input id="exp-month" name="exp_month" inputmode="numeric" maxlength="2" value="${escapeHtml(values.expMonth ?? '12')}"></div>
    <div><label for="exp-year">Expiry year</label>
      <input id="exp-year" name="exp_year" inputmode="numeric" maxlength="2" value="${escapeHtml(values.expYear ?? '30')}"></div>
    <div><label for="cvd">CVD</label>
      <input id="cvd" name="cvd" inputmode="numeric" maxlength="4" value="123"></div>
  </div>
  <button id="pay" type="submit">Pay</button>
</form>
<form id="cancel-form" method="post" action="/window/${id}/cancel">
  <button id="cancel" type="submit">Cancel</button>
</form>
<p class="note">Test cards start with 1000; a number ending in 2 is declined; expiry 01/25 makes the first callback fail.</p>`,
  );
}

/** A payment that is already authorised: QuickPay shows no form, only the way back to the shop. */
export function renderAlreadyPaidPage(payment: SimPayment): string {
  return layout(
    'Already paid',
    `<h1>This order is already paid</h1>
<p class="sub">Order <span id="order-id">${escapeHtml(payment.order_id)}</span></p>
<p><a id="continue" href="${escapeHtml(payment.link.continue_url)}">Back to the shop</a></p>`,
  );
}

/** A plain error page (bad window form, unknown payment). */
export function renderErrorPage(title: string, messages: string[]): string {
  const items = messages.map((m) => `<li>${escapeHtml(m)}</li>`).join('');
  return layout(title, `<h1>${escapeHtml(title)}</h1><ul id="errors" class="error">${items}</ul>`);
}
