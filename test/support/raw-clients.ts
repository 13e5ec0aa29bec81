/**
 * Clients that misbehave on purpose, for the limits at the door: a raw TCP socket that sends exactly the bytes it
 * is told to, a GraphQL request by hand, and a graphql-ws speaker on a bare `ws` socket that can stay silent,
 * ignore pings or send what it likes.
 */
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

/** How long a test waits for something that must happen before it gives up (a liveness bound, not a measurement). */
export const EVENTUALLY_MS = 20_000;

/** Rejects after `ms` with `what` in the message, unless `promise` settles first. */
export function within<T>(promise: Promise<T>, what: string, ms = EVENTUALLY_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP connection to the service: what it received, and a promise settled when the server closed it. */
export interface RawSocket {
  socket: Socket;
  /** Everything received so far, as text. */
  received(): string;
  /** Resolves with everything received once the connection is closed (by either side). */
  closed: Promise<string>;
  /** Resolves once the connection is established. */
  connected: Promise<void>;
  write(data: string): void;
}

export function rawSocket(baseUrl: string): RawSocket {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  // A refused or reset connection is what some tests wait for; it must not fail the test process.
  socket.on('error', () => undefined);
  return {
    socket,
    received: () => text,
    closed: new Promise((resolve) => socket.once('close', () => resolve(text))),
    connected: new Promise((resolve) => socket.once('connect', () => resolve())),
    write: (data) => void socket.write(data),
  };
}

export interface RawGraphQLResult {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POSTs a GraphQL request by hand (any query text, any size); `token` goes in `Authorization: Bearer`. */
export async function postGraphQL(baseUrl: string, query: string, variables: Record<string, unknown> = {}, token: string | null = null): Promise<RawGraphQLResult> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as RawGraphQLResult['body'] };
}

/** A graphql-transport-ws message. */
export interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A graphql-ws conversation on a bare socket: every message received, and how the socket closed. */
export class RawGraphQLSocket {
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as WsMessage);
      for (const w of [...this.waiters]) w();
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const w of [...this.waiters]) w();
      }),
    );
  }

  /** Opens a socket with graphql-ws's subprotocol; `autoPong: false` leaves the server's pings unanswered. */
  static async open(baseUrl: string, options: { autoPong?: boolean } = {}): Promise<RawGraphQLSocket> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { autoPong: options.autoPong ?? true });
    const socket = new RawGraphQLSocket(ws);
    await within(new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }), 'the WebSocket opens');
    return socket;
  }

  /** Opens a socket and completes `connection_init` (with the bearer `token`, if any). */
  static async initialised(baseUrl: string, token: string | null = null, options: { autoPong?: boolean } = {}): Promise<RawGraphQLSocket> {
    const socket = await RawGraphQLSocket.open(baseUrl, options);
    socket.send({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} });
    await socket.next((m) => m.type === 'connection_ack', 'connection_ack');
    return socket;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: WsMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ type: 'subscribe', id, payload: { query, variables } });
  }

  /** Resolves with the first message received (so far or later) that matches; rejects if the socket closes first. */
  next(predicate: (m: WsMessage) => boolean, what = 'a matching message'): Promise<WsMessage> {
    return within(
      new Promise<WsMessage>((resolve, reject) => {
        const check = () => {
          const found = this.messages.find(predicate);
          if (found) {
            this.waiters.delete(check);
            resolve(found);
          } else if (this.ws.readyState === WebSocket.CLOSED) {
            this.waiters.delete(check);
            reject(new Error(`socket closed before ${what}; received ${JSON.stringify(this.messages)}`));
          }
        };
        this.waiters.add(check);
        check();
      }),
      what,
    );
  }

  close(): void {
    this.ws.close();
  }
}
