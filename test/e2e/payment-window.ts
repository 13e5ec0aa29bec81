/**
 * The shopper's browser at the payment window, over plain HTTP: posts the storefront's form as
 * application/x-www-form-urlencoded, follows the 303 to the window page, reads its forms the way a browser would
 * (every named input with its value), and submits one of them. No redirect is followed blindly: each hop is checked.
 */
import assert from 'node:assert/strict';

export interface PaymentRedirect {
  method: string;
  url: string;
  fields: { name: string; value: string }[];
}

export interface HtmlForm {
  action: string;
  method: string;
  /** Named inputs and their current values, as the browser would post them. */
  values: Record<string, string>;
}

export interface WindowPage {
  url: string;
  html: string;
  forms: Record<string, HtmlForm>;
}

export interface Hop {
  status: number;
  location: string | null;
  body: string;
}

const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]) : undefined;
};

/** Reads every `<form id=...>` of a page with its named inputs. */
export function parseForms(html: string, pageUrl: string): Record<string, HtmlForm> {
  const forms: Record<string, HtmlForm> = {};
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const id = attr(m[1], 'id');
    if (!id) continue;
    const values: Record<string, string> = {};
    for (const input of m[2].matchAll(/<input\b[^>]*>/g)) {
      const name = attr(input[0], 'name');
      if (name) values[name] = attr(input[0], 'value') ?? '';
    }
    forms[id] = {
      action: new URL(attr(m[1], 'action') ?? pageUrl, pageUrl).toString(),
      method: (attr(m[1], 'method') ?? 'get').toUpperCase(),
      values,
    };
  }
  return forms;
}

async function post(url: string, fields: Record<string, string>): Promise<Hop> {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

/** Posts the storefront's payment form to the gateway and lands on the card page. */
export async function openPaymentWindow(redirect: PaymentRedirect): Promise<WindowPage> {
  assert.equal(redirect.method, 'POST', 'QuickPay is sent a form post');
  const hop = await post(redirect.url, Object.fromEntries(redirect.fields.map((f) => [f.name, f.value])));
  assert.equal(hop.status, 303, `the window form is answered with a 303 (got ${hop.status}: ${hop.body.slice(0, 300)})`);
  assert.ok(hop.location, 'the 303 has a Location');
  const url = new URL(hop.location, redirect.url).toString();
  const res = await fetch(url, { headers: { accept: 'text/html' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  return { url, html, forms: parseForms(html, url) };
}

/** Submits one of the page's forms, with some fields changed (what the shopper typed). */
export async function submitForm(page: WindowPage, formId: string, typed: Record<string, string> = {}): Promise<Hop> {
  const form = page.forms[formId];
  assert.ok(form, `the page has a form #${formId}; it has ${Object.keys(page.forms).join(', ')}`);
  assert.equal(form.method, 'POST');
  return post(form.action, { ...form.values, ...typed });
}

/** The shopper presses Pay (with the card fields given, or the prefilled test card). */
export function pay(page: WindowPage, card: { card?: string; exp_month?: string; exp_year?: string } = {}): Promise<Hop> {
  const typed = Object.fromEntries(Object.entries(card).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return submitForm(page, 'pay-form', typed);
}

/** The shopper presses Cancel. */
export function cancel(page: WindowPage): Promise<Hop> {
  return submitForm(page, 'cancel-form');
}

/** The form field of a payment redirect. */
export function field(redirect: PaymentRedirect, name: string): string {
  const f = redirect.fields.find((x) => x.name === name);
  assert.ok(f, `the payment form has a ${name} field`);
  return f.value;
}
