/**
 * The bench's yardstick: the least a correct QuickPay callback endpoint must do, on bare `node:http`. Read the raw
 * body, check the `QuickPay-Checksum-Sha256` HMAC with the private key, read the payment reference and latest
 * operation, and in one transaction store the message under a unique key (SHA-256 of the body) and move the
 * payment's status and sequence forward. No framework, no ORM, no state machines, no audit or outbox rows.
 *
 * It runs inside the orchestrator's process, as the service does, so both servers get the same process, runtime
 * and leftover CPU while the load generator runs in its own process.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyCallbackChecksum } from '../src/gateways/quickpay/quickpay.signing.js';
import type { BaselineMessage, BaselineStore } from './baseline-store.js';

/** The service's default body limit (CALLBACK_BODY_LIMIT). */
const BODY_LIMIT = 64 * 1024;
const STATUS_OF: Record<string, string> = { authorize: 'AUTHORIZED', capture: 'CAPTURED', refund: 'REFUNDED', cancel: 'CANCELLED' };

export interface BaselineServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the baseline on a free port of 127.0.0.1, storing into `store`. */
export async function startBaselineServer(store: BaselineStore, privateKey: string): Promise<BaselineServer> {
  const server = createServer((req, res) => {
    handle(req, res, store, privateKey).catch(() => answer(res, 503, 'RETRY_LATER'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, store: BaselineStore, privateKey: string): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/callbacks/quickpay') return answer(res, 404, 'NOT_FOUND');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return answer(res, 413, 'REJECTED_TOO_LARGE');
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return answer(res, 415, 'REJECTED_CONTENT_TYPE');
  const checksum = req.headers['quickpay-checksum-sha256'];
  if (!verifyCallbackChecksum(raw, typeof checksum === 'string' ? checksum : undefined, privateKey)) return answer(res, 401, 'REJECTED_SIGNATURE');
  const message = readMessage(raw);
  if (!message) return answer(res, 400, 'REJECTED_MALFORMED');
  return answer(res, 200, await store.record(message));
}

/** The reference and the latest approved operation, or null when the body is not a usable payment resource. */
function readMessage(raw: Buffer): BaselineMessage | null {
  let json: { order_id?: unknown; operations?: { id?: unknown; type?: unknown; qp_status_code?: unknown; pending?: unknown }[] };
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof json.order_id !== 'string' || !Array.isArray(json.operations)) return null;
  let latest: { id: number; type: string } | null = null;
  for (const op of json.operations) {
    if (typeof op.id !== 'number' || typeof op.type !== 'string' || op.pending || op.qp_status_code !== '20000') continue;
    if (!latest || op.id > latest.id) latest = { id: op.id, type: op.type };
  }
  if (!latest || !STATUS_OF[latest.type]) return null;
  return {
    dedupKey: createHash('sha256').update(raw).digest('hex'),
    body: raw.toString('utf8'),
    reference: json.order_id,
    status: STATUS_OF[latest.type],
    sequence: latest.id,
  };
}

function answer(res: ServerResponse, status: number, outcome: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: outcome }));
}
