/**
 * Opens and closes many paymentStatusChanged subscriptions over one graphql-ws connection, as confirmation pages
 * that come and go would: each is subscribed, receives its first message (the current state), and is completed
 * by the client.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { PaymentStatusChangedDocument } from '../generated/graphql.js';

export interface SubscriptionCycler {
  /** Runs `count` subscribe-first-message-complete cycles, one after the other. */
  cycle(count: number): Promise<void>;
  close(): Promise<void>;
}

export function subscriptionCycler(baseUrl: string, orderId: string, token: string): SubscriptionCycler {
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
  });
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const unsubscribe = client.subscribe(
        { query: print(PaymentStatusChangedDocument), variables: { orderId } },
        {
          next: () => {
            unsubscribe(); // sends `complete`: the server must let go of the subscription now
            resolve();
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
  return {
    async cycle(count) {
      for (let i = 0; i < count; i++) await once();
    },
    close: async () => {
      await client.dispose();
    },
  };
}

/** Waits until `predicate` holds, asking again every few milliseconds, for at most `timeoutMs`; returns the last answer. */
export async function eventually(predicate: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}
