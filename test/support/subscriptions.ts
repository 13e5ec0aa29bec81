/** Subscribes over graphql-ws like a confirmation page would, collecting what the server pushes. */
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { PaymentStatusChangedDocument, type PaymentStatusChangedSubscription } from '../generated/graphql.js';

export type StatusUpdate = PaymentStatusChangedSubscription['paymentStatusChanged'];

export interface StatusWatch {
  updates: StatusUpdate[];
  /** The error the server ended the subscription with, if any. */
  error: unknown;
  /** Resolves once `predicate` holds for the updates received (or rejects after `timeoutMs`). */
  until(predicate: (updates: StatusUpdate[]) => boolean, timeoutMs?: number): Promise<StatusUpdate[]>;
  close(): Promise<void>;
}

/** A graphql-ws client as a page would open it: the bearer token in the connection params, no reconnects. */
function wsClient(baseUrl: string, token: string | null): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
}

export function watchPaymentStatus(baseUrl: string, orderId: string, token: string | null): StatusWatch {
  const client = wsClient(baseUrl, token);
  const waiters = new Set<() => void>();
  const watch: StatusWatch = {
    updates: [],
    error: undefined,
    until(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(watch.updates)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(watch.updates);
          } else if (watch.error) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(watch.error);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; received ${JSON.stringify(watch.updates)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
  const dispose = client.subscribe<{ paymentStatusChanged: StatusUpdate }>(
    { query: print(PaymentStatusChangedDocument), variables: { orderId } },
    {
      next: (msg) => {
        if (msg.errors?.length) watch.error = msg.errors;
        if (msg.data) watch.updates.push(msg.data.paymentStatusChanged);
        for (const w of [...waiters]) w();
      },
      error: (e) => {
        watch.error = e ?? new Error('subscription error');
        for (const w of [...waiters]) w();
      },
      complete: () => {
        for (const w of [...waiters]) w();
      },
    },
  );
  return watch;
}

/** Subscribes with any query and resolves with the errors the server ends it with (or rejects if it sends data). */
export function subscriptionErrors(baseUrl: string, query: string, variables: Record<string, unknown>, token: string | null): Promise<{ message: string; extensions?: Record<string, unknown> }[]> {
  const client = wsClient(baseUrl, token);
  return new Promise<{ message: string; extensions?: Record<string, unknown> }[]>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (msg) => (msg.errors?.length ? resolve(msg.errors as never) : reject(new Error(`unexpected data: ${JSON.stringify(msg.data)}`))),
        error: (e) => (Array.isArray(e) ? resolve(e) : reject(e)),
        complete: () => reject(new Error('completed without an error')),
      },
    );
  }).finally(() => client.dispose());
}
