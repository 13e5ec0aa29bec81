/**
 * Test helpers for the QuickPay simulator: a tiny HTTP server standing in for the shop's callback endpoint (it
 * verifies the checksum like the real shop and records everything), and a client for the payment window.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signPaymentWindow, verifyCallbackChecksum } from '../../src/gateways/quickpay/quickpay.signing.js';
import {
  startQuickPaySimulator,
  type QuickPaySimulator,
  type QuickPaySimulatorOptions,
} from '../../src/simulator/quickpay-simulator.js';

export const API_KEY = 'test-api-key';
export const PRIVATE_KEY = 'test-private-key';
export const MERCHANT_ID = '7777';

/** One callback as the fake shop received it. */
export interface ReceivedCallback {
  body: string;
  json: { order_id: string; operations: { id: number; type: string; qp_status_code: string }[] } & Record<string, unknown>;
  headers: IncomingHttpHeaders;
  receivedAt: number;
  checksumValid: boolean;
}

/** The fake shop: answers 200 to a good checksum and 401 to a bad one unless `answer` says otherwise. */
export interface FakeShop {
  readonly callbackUrl: string;
  readonly received: ReceivedCallback[];
  /** Decides the HTTP status; `'hang'` never answers (to test timeouts). */
  answer: (cb: ReceivedCallback, index: number) => number | 'hang';
  forOrder(orderId: string): ReceivedCallback[];
  /** Resolves once `n` callbacks for the order arrived; rejects after `timeoutMs`. */
  waitFor(orderId: string, n: number, timeoutMs?: number): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

export async function startFakeShop(privateKey = PRIVATE_KEY): Promise<FakeShop> {
  const received: ReceivedCallback[] = [];
  const listeners = new Set<() => void>();
  const shop: FakeShop = {
    callbackUrl: '',
    received,
    answer: (cb) => (cb.checksumValid ? 200 : 401),
    forOrder: (orderId) => received.filter((r) => r.json.order_id === orderId),
    waitFor: (orderId, n, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (shop.forOrder(orderId).length < n) return false;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(shop.forOrder(orderId));
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`order ${orderId}: wanted ${n} callbacks, got ${shop.forOrder(orderId).length}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = req.headers['quickpay-checksum-sha256'];
      const cb: ReceivedCallback = {
        body: raw.toString('utf8'),
        json: JSON.parse(raw.toString('utf8')),
        headers: req.headers,
        receivedAt: Date.now(),
        checksumValid: verifyCallbackChecksum(raw, typeof header === 'string' ? header : undefined, privateKey),
      };
      received.push(cb);
      const status = shop.answer(cb, received.length - 1);
      for (const l of [...listeners]) l();
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (shop as { callbackUrl: string }).callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks/quickpay`;
  return shop;
}

/** A simulator plus a fake shop, closed together. */
export interface Harness {
  sim: QuickPaySimulator;
  shop: FakeShop;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<QuickPaySimulatorOptions> = {}): Promise<Harness> {
  const shop = await startFakeShop();
  const sim = await startQuickPaySimulator({
    apiKey: API_KEY,
    privateKey: PRIVATE_KEY,
    merchantId: MERCHANT_ID,
    retryIntervalMs: 50,
    ...options,
  });
  return { sim, shop, close: async () => void (await Promise.all([sim.close(), shop.close()])) };
}

let orderCounter = 0;
/** A fresh order id per call, so tests never see each other's callbacks. */
export const newOrderId = (prefix = 'ord') => `${prefix}-${process.pid}-${++orderCounter}`;

/** The signed form a shop posts to open the payment window (like QuickPayGateway.buildPaymentRequest). */
export function windowForm(
  shop: FakeShop,
  orderId: string,
  overrides: Record<string, string> = {},
  apiKey = API_KEY,
): Record<string, string> {
  const fields: Record<string, string> = {
    version: 'v10',
    merchant_id: MERCHANT_ID,
    agreement_id: '8888',
    order_id: orderId,
    amount: '12345',
    currency: 'DKK',
    continueurl: 'http://shop.test/continue',
    cancelurl: 'http://shop.test/cancel',
    callbackurl: shop.callbackUrl,
    language: 'en',
    type: 'payment',
    autocapture: '0',
    ...overrides,
  };
  fields.checksum = signPaymentWindow(fields, apiKey);
  return fields;
}

/** Posts a form without following redirects. */
export function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Opens the window for an order; returns the payment id taken from the 303 Location. */
export async function openWindow(h: Harness, orderId: string, overrides: Record<string, string> = {}): Promise<number> {
  const res = await postForm(`${h.sim.url}/`, windowForm(h.shop, orderId, overrides));
  if (res.status !== 303) throw new Error(`window answered ${res.status}: ${await res.text()}`);
  const match = /\/window\/(\d+)$/.exec(res.headers.get('location') ?? '');
  if (!match) throw new Error(`unexpected Location ${res.headers.get('location')}`);
  return Number(match[1]);
}

/** Presses "Pay" with a card. */
export function pay(
  h: Harness,
  paymentId: number,
  card = '1000 0000 0000 0008',
  expMonth = '12',
  expYear = '30',
): Promise<Response> {
  return postForm(`${h.sim.url}/window/${paymentId}/pay`, { card, exp_month: expMonth, exp_year: expYear, cvd: '123' });
}

/** Status API headers, as QuickPayGateway sends them. */
export function apiHeaders(apiKey = API_KEY): Record<string, string> {
  return {
    Authorization: `Basic ${Buffer.from(`:${apiKey}`).toString('base64')}`,
    'Accept-Version': 'v10',
    Accept: 'application/json',
    'Content-Type': 'application/json',
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A simulator whose shop answers 500 to every callback, with one paid payment whose callback is being retried;
 * resolves once `attemptsSeen` delivery attempts were made. The harness is closed when the test ends.
 */
export async function startRetryingDelivery(
  t: { after(fn: () => unknown): void },
  retryIntervalMs: number,
  attemptsSeen: number,
): Promise<{ h: Harness; orderId: string; id: number }> {
  const h = await startHarness({ retryIntervalMs });
  t.after(h.close);
  const orderId = newOrderId();
  const id = await openWindow(h, orderId);
  h.shop.answer = () => 500;
  await pay(h, id);
  await h.sim.waitForDeliveries(id, attemptsSeen);
  return { h, orderId, id };
}
