/**
 * One call to a gateway's API, as every adapter makes it: bounded in time, never following a redirect, the whole
 * answer read. A call that gets no answer (refused, reset, timed out) throws GatewayApiError without a status:
 * whether the gateway acted is unknown, and nothing may say otherwise. What an answer means is the adapter's to say.
 */
import { GatewayApiError } from './gateway.js';

export interface GatewayCall {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface GatewayReply {
  status: number;
  ok: boolean;
  text: string;
}

/** Sends the call; `what` names it in errors (method and path, never a secret). */
export async function callGateway(fetchImpl: typeof fetch, url: string, call: GatewayCall, what: string): Promise<GatewayReply> {
  try {
    const res = await fetchImpl(url, { method: call.method, redirect: 'error', signal: AbortSignal.timeout(call.timeoutMs), headers: call.headers, body: call.body });
    return { status: res.status, ok: res.ok, text: await res.text() };
  } catch (e) {
    const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    throw new GatewayApiError(`${what} could not be reached: ${cause}`);
  }
}
