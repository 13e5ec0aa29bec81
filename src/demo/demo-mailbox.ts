/**
 * The demo's mail server: a real SMTP server (smtp-server) on this machine that the service sends to, like any
 * shop's mail relay, and a mailbox that keeps what it received, parsed with mailparser, for the page
 * `/shop/mailbox.html` (through `GET /shop/mailbox.json`). A newcomer sees the confirmation and the shop's alerts
 * happen, once each. It accepts mail for any address and delivers none onwards.
 */
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Logger } from '../app/logger.js';

/** Messages kept (the oldest are dropped beyond it): the demo runs for as long as someone clicks. */
export const MAILBOX_KEEP = 200;
/** Largest message the demo's server takes, bytes; the service's messages are a few kilobytes. */
export const MAILBOX_MESSAGE_LIMIT = 1024 * 1024;

/** One message as the mailbox page shows it. */
export interface MailboxEntry {
  /** Its place in arrival order, from 1. */
  n: number;
  receivedAt: string;
  /** The SMTP envelope's recipients: who it was delivered to. */
  to: string[];
  from: string;
  subject: string;
  messageId: string;
  text: string;
  html: string | null;
}

export interface DemoMailbox {
  /** SMTP_URL for the service. */
  smtpUrl: string;
  port: number;
  /** Newest first. */
  messages(): MailboxEntry[];
  close(): Promise<void>;
}

/** Starts the SMTP server on `host:port` (0 picks a free port). */
export async function startDemoMailbox(options: { host: string; port: number; log?: Logger }): Promise<DemoMailbox> {
  const kept: MailboxEntry[] = [];
  let received = 0;
  const server = new SMTPServer({
    // A local relay on the demo's own machine: plain SMTP, no login. Without STARTTLS the service does not try to
    // upgrade to smtp-server's built-in test certificate.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    size: MAILBOX_MESSAGE_LIMIT,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          if (stream.sizeExceeded) return callback(Object.assign(new Error('message too large for the demo mailbox'), { responseCode: 552 }));
          kept.unshift({
            n: ++received,
            receivedAt: new Date().toISOString(),
            to: session.envelope.rcptTo.map((r) => r.address),
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            messageId: parsed.messageId ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
          });
          kept.splice(MAILBOX_KEEP);
          options.log?.info({ messageId: parsed.messageId, subject: parsed.subject }, 'demo mailbox received a message');
          callback(null, `kept in the demo mailbox as message ${received}`);
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as { port: number }).port;
  const connectHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    smtpUrl: `smtp://${connectHost.includes(':') ? `[${connectHost}]` : connectHost}:${port}`,
    port,
    messages: () => [...kept],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * `GET /shop/mailbox.json`: what the demo's mail server received, newest first. Demo only: it shows every
 * message to anyone who can reach the demo, which is why the real service has nothing like it.
 */
export async function mailboxRoutes(app: FastifyInstance, mailbox: DemoMailbox): Promise<void> {
  app.get('/shop/mailbox.json', async (_req, reply) => reply.header('cache-control', 'no-store').send({ messages: mailbox.messages() }));
}
