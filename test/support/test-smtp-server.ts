/**
 * A real SMTP server for tests (smtp-server, on 127.0.0.1 and a free port) that keeps what it receives, parsed
 * with mailparser. A message is parsed and kept before the server answers 250, so once the service's send has
 * returned, the message is in `messages`: tests never wait for mail to arrive. It can be told to refuse.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The SMTP envelope (MAIL FROM and RCPT TO), which may differ from the headers. */
  envelope: { from: string; to: string[] };
  parsed: ParsedMail;
  raw: Buffer;
}

/** How the server refuses: at RCPT TO (the recipient) or after DATA (the message), with this reply. */
export interface Refusal {
  at: 'rcpt' | 'data';
  code: number;
  message: string;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  /** Refuse from now on (null: accept again). */
  refuse(refusal: Refusal | null): void;
  /** The messages with this Message-ID (as the header has it, with angle brackets). */
  withMessageId(messageId: string): ReceivedMail[];
  close(): Promise<void>;
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  let refusal: Refusal | null = null;
  const refused = (r: Refusal) => Object.assign(new Error(r.message), { responseCode: r.code });
  const server = new SMTPServer({
    // Plain SMTP on loopback, no login: what a local relay offers. STARTTLS off, so the client does not try to
    // upgrade to the built-in test certificate.
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 5 * 1024 * 1024,
    onRcptTo(_address, _session, callback) {
      callback(refusal?.at === 'rcpt' ? refused(refusal) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        if (refusal?.at === 'data') return callback(refused(refusal));
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            messages.push({ envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) }, parsed, raw });
            callback(null, `queued as test-${messages.length}`);
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuse(r) {
      refusal = r;
    },
    withMessageId: (id) => messages.filter((m) => m.parsed.messageId === id),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
