/** Builds and posts QuickPay callbacks the way QuickPay does: the whole payment resource, signed over the raw body. */
import { request } from 'node:http';
import { signCallbackBody } from '../../src/gateways/quickpay/quickpay.signing.js';
import { TEST_KEYS } from './test-service.js';

export interface QuickPayOp {
  id: number;
  type: 'authorize' | 'capture' | 'refund' | 'cancel';
  amount: number;
  pending?: boolean;
  qp_status_code?: string | null;
}

export interface PaymentResourceOptions {
  gatewayPaymentId?: number;
  currency?: string;
  testMode?: boolean;
  /** The fee QuickPay added (autofee), in minor units. */
  fee?: number;
}

export function paymentResource(reference: string, operations: QuickPayOp[], o: PaymentResourceOptions = {}): string {
  const approvedAuth = operations.some((op) => op.type === 'authorize' && op.qp_status_code === '20000' && !op.pending);
  return JSON.stringify({
    id: o.gatewayPaymentId ?? 900_000 + (hash(reference) % 99_999),
    order_id: reference,
    accepted: approvedAuth,
    type: 'Payment',
    currency: o.currency ?? 'DKK',
    state: approvedAuth ? 'new' : 'initial',
    test_mode: o.testMode ?? false,
    metadata: { brand: 'visa', last4: '0008' },
    operations: operations.map((op) => ({ pending: false, qp_status_code: '20000', created_at: new Date(0).toISOString(), ...op })),
    fee: o.fee ?? 0,
    link: { amount: operations[0]?.amount ?? 0 },
  });
}

export interface PostOptions {
  checksum?: string;
  contentType?: string;
  privateKey?: string;
  /** Open a new TCP connection for this request (no keep-alive pool), so copies really arrive side by side. */
  freshConnection?: boolean;
}

export async function postCallback(baseUrl: string, body: string | Buffer, o: PostOptions = {}): Promise<{ status: number; body: string }> {
  if (o.freshConnection) return postOnNewConnection(baseUrl, body, callbackHeaders(body, o));
  const res = await fetch(`${baseUrl}/callbacks/quickpay`, {
    method: 'POST',
    redirect: 'manual',
    headers: callbackHeaders(body, o),
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: await res.text() };
}

function callbackHeaders(body: string | Buffer, o: PostOptions): Record<string, string> {
  return {
    'content-type': o.contentType ?? 'application/json',
    'quickpay-resource-type': 'Payment',
    'quickpay-api-version': 'v10',
    'quickpay-checksum-sha256': o.checksum ?? signCallbackBody(body, o.privateKey ?? TEST_KEYS.privateKey),
  };
}

function postOnNewConnection(baseUrl: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/callbacks/quickpay`, { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}
