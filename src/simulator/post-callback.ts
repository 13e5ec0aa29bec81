/**
 * One HTTP POST of a callback, with node:http so the simulator controls the socket: no redirect following (QuickPay
 * counts a 302/303 as delivered, it does not chase it), a hard timeout, no keep-alive pool that would hold a test
 * process open, and an abort signal so `close()` can cut an attempt short.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** How one attempt ended: an HTTP status, or a transport error message. */
export type PostResult = { statusCode: number; error: null } | { statusCode: null; error: string };

/** Posts `body` to `url`; never rejects. The response body is read and thrown away. */
export function postCallback(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ statusCode: null, error: `invalid callback URL: ${url}` });
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : null;
    if (!send) {
      resolve({ statusCode: null, error: `unsupported callback URL scheme: ${target.protocol}` });
      return;
    }
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = send(target, {
      method: 'POST',
      agent: false,
      signal,
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' },
    });
    // A wall-clock limit for the whole exchange; the socket `timeout` option only measures idle time.
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('response', (res) => {
      const statusCode = res.statusCode ?? 0;
      res.on('error', () => finish({ statusCode, error: null }));
      res.on('end', () => finish({ statusCode, error: null }));
      res.on('close', () => finish({ statusCode, error: null }));
      res.resume();
    });
    req.on('error', (e) => finish({ statusCode: null, error: e.message }));
    req.end(body);
  });
}
