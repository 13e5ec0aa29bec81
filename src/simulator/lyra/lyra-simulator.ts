/**
 * A small Lyra (PayZen / Systempay) for tests and demos, its own Fastify server: the payment page takes the signed
 * form (and verifies it, as Lyra does), the shopper pays or is refused, Lyra's signed form IPN goes to
 * `vads_url_check` (with faults), the shopper is sent back with a signed return, and the REST API V4 answers the
 * calls the adapter makes (Order/Get, Transaction/Validate, Transaction/Update, Transaction/CancelOrRefund). A
 * control route runs the capture batch, which captures validated transactions and sends their IPNs.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { verifyForm, type LyraSignatureAlgorithm } from '../../gateways/lyra/lyra.signing.js';
import { addFormBodyParser, stringFields } from '../http-helpers.js';
import { LyraIpnSender, type LyraFaults, type SentIpn } from './lyra-ipn-sender.js';
import { LyraOrders, type SimTransaction } from './lyra-orders.js';

export interface LyraSimulatorOptions {
  siteId: string;
  key: string;
  mode?: 'TEST' | 'PRODUCTION';
  algorithm?: LyraSignatureAlgorithm;
  restPassword: string;
  retryIntervalMs?: number;
  maxAttempts?: number;
}

export interface LyraSimulator {
  url: string;
  orders: LyraOrders;
  faults: LyraFaults;
  sent: readonly SentIpn[];
  /** Sends IPNs held back by the reorder fault, newest first. */
  flush(): void;
  /** Waits for every IPN to be answered or given up. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const ok = (answer: unknown) => ({ webService: 'simulated', version: 'V4', status: 'SUCCESS', answer, mode: 'TEST' });
const error = (errorCode: string, errorMessage: string) => ({ status: 'ERROR', answer: { errorCode, errorMessage, _type: 'V4/WebService/WebServiceError' } });

export async function startLyraSimulator(options: LyraSimulatorOptions): Promise<LyraSimulator> {
  const shop = { siteId: options.siteId, key: options.key, mode: options.mode ?? 'TEST', algorithm: options.algorithm ?? 'HMAC_SHA256' } as const;
  const orders = new LyraOrders(shop);
  const sender = new LyraIpnSender({ retryIntervalMs: options.retryIntervalMs ?? 100, maxAttempts: options.maxAttempts ?? 5 });
  const app: FastifyInstance = Fastify({ logger: false });
  addFormBodyParser(app);
  const ipn = (t: SimTransaction, source: string) => t.form.vads_url_check && sender.send(t.form.vads_url_check, orders.signedFields(t, source));

  // The payment page: a form that does not verify, or names another shop or mode, is refused as Lyra refuses it.
  app.post('/vads-payment/', async (req, reply) => {
    const form = stringFields(req.body);
    if (!verifyForm(form, shop.key, shop.algorithm)) return reply.code(400).type('text/plain').send('Erreur 05: signature invalide');
    if (form.vads_site_id !== shop.siteId || form.vads_ctx_mode !== shop.mode) return reply.code(400).type('text/plain').send('Erreur 02: boutique ou mode');
    if (orders.transactions.some((t) => t.transId === form.vads_trans_id && t.form.vads_trans_date?.slice(0, 8) === form.vads_trans_date?.slice(0, 8))) {
      return reply.code(400).type('text/plain').send('Erreur 04: vads_trans_id déjà utilisé');
    }
    const t = orders.open(form);
    return reply.type('text/plain').send(`payment page for transaction ${t.uuid}; POST /vads-payment/${t.uuid}/pay with outcome=approve|refuse|abandon`);
  });

  // The shopper pays (or not): Lyra's IPN, then the shopper's signed return (a 303 to the return URL, GET mode).
  app.post<{ Params: { uuid: string } }>('/vads-payment/:uuid/pay', async (req, reply) => {
    const t = orders.byUuid(req.params.uuid);
    if (!t || t.detailedStatus !== 'INITIAL') return reply.code(404).type('text/plain').send('no such payment waiting');
    const outcome = stringFields(req.body).outcome ?? 'approve';
    t.detailedStatus = outcome === 'approve' ? (t.form.vads_validation_mode === '1' ? 'AUTHORISED_TO_VALIDATE' : 'AUTHORISED') : outcome === 'abandon' ? 'ABANDONED' : 'REFUSED';
    t.authorised = outcome === 'approve';
    ipn(t, 'PAY');
    const back = outcome === 'approve' ? (t.form.vads_url_success ?? t.form.vads_url_return) : outcome === 'abandon' ? t.form.vads_url_cancel : t.form.vads_url_refused;
    const target = new URL(back ?? t.form.vads_url_return);
    for (const [k, v] of Object.entries(orders.signedFields(t, 'PAY'))) if (k !== 'vads_url_check_src') target.searchParams.set(k, v);
    return reply.redirect(target.toString(), 303);
  });

  // The capture batch: validated transactions are captured, and Lyra says so by IPN (vads_url_check_src BATCH_AUTO).
  app.post('/control/capture-batch', async (req, reply) => {
    const fail = stringFields(req.body).fail === 'true';
    const done = orders.transactions.filter((t) => t.operationType === 'DEBIT' && t.detailedStatus === 'AUTHORISED');
    for (const t of done) {
      t.detailedStatus = fail ? 'CAPTURE_FAILED' : 'CAPTURED';
      ipn(t, 'BATCH_AUTO');
    }
    return reply.send({ captured: done.map((t) => t.uuid) });
  });

  // The REST API: Basic auth with the shop id and REST password, refusals as HTTP 200 with status ERROR.
  app.addHook('preHandler', async (req, reply) => {
    if (!req.url.startsWith('/api-payment/')) return;
    const expected = `Basic ${Buffer.from(`${shop.siteId}:${options.restPassword}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return reply.code(401).send(error('INT_905', 'bad credentials'));
  });
  const body = (b: unknown) => (b && typeof b === 'object' ? (b as Record<string, unknown>) : {});
  app.post('/api-payment/V4/Order/Get', async (req) => {
    const orderId = String(body(req.body).orderId ?? '');
    return orders.ofOrder(orderId).length ? ok(orders.restOrder(orderId)) : error('PSP_010', 'order not found');
  });
  app.post('/api-payment/V4/Transaction/Validate', async (req) => {
    const t = orders.byUuid(String(body(req.body).uuid ?? ''));
    if (!t) return error('PSP_010', 'transaction not found');
    if (t.detailedStatus !== 'AUTHORISED_TO_VALIDATE') return error('PSP_100', `transaction is ${t.detailedStatus}`);
    t.detailedStatus = 'AUTHORISED';
    return ok({ uuid: t.uuid, detailedStatus: t.detailedStatus });
  });
  app.post('/api-payment/V4/Transaction/Update', async (req) => {
    const b = body(req.body);
    const t = orders.byUuid(String(b.uuid ?? ''));
    const update = body(b.cardUpdate);
    if (!t) return error('PSP_010', 'transaction not found');
    const amount = Number(update.amount);
    if (!['AUTHORISED_TO_VALIDATE', 'AUTHORISED'].includes(t.detailedStatus) || !Number.isInteger(amount) || amount <= 0 || amount > t.amount) return error('PSP_100', 'cannot update');
    t.amount = amount;
    if (update.manualValidation === 'NO') t.detailedStatus = 'AUTHORISED';
    return ok({ uuid: t.uuid, detailedStatus: t.detailedStatus });
  });
  app.post('/api-payment/V4/Transaction/CancelOrRefund', async (req) => {
    const b = body(req.body);
    const t = orders.byUuid(String(b.uuid ?? ''));
    if (!t) return error('PSP_010', 'transaction not found');
    const amount = Number(b.amount);
    if (t.detailedStatus === 'CAPTURED' && b.resolutionMode !== 'CANCELLATION_ONLY') {
      const refunded = orders.ofOrder(t.orderId).filter((x) => x.operationType === 'CREDIT').reduce((s, x) => s + x.amount, 0);
      if (!Number.isInteger(amount) || amount <= 0 || refunded + amount > t.amount) return error('PSP_100', 'refund larger than what is left');
      return ok({ uuid: orders.refund(t, amount).uuid });
    }
    if (['AUTHORISED', 'AUTHORISED_TO_VALIDATE'].includes(t.detailedStatus) && b.resolutionMode !== 'REFUND_ONLY') {
      t.detailedStatus = 'CANCELLED';
      return ok({ uuid: t.uuid, detailedStatus: t.detailedStatus });
    }
    return error('PSP_100', `transaction is ${t.detailedStatus}`);
  });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    orders,
    faults: sender.faults,
    sent: sender.sent,
    flush: () => sender.flush(),
    settled: () => sender.settled(),
    close: async () => {
      await sender.settled();
      await app.close();
    },
  };
}
