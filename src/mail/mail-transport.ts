/**
 * Where messages go: an SMTP server (SMTP_URL), or, without one, a local mail folder (MAIL_DIR) of .eml files, so
 * the embedded default needs no mail server. Both are nodemailer transports: the folder is nodemailer's stream
 * transport, which builds the exact message an SMTP server would get, written to a file.
 *
 * Why not a package for the folder: the ones that exist (nodemailer-pickup-transport 0.1.1, written for nodemailer
 * 1 in 2014 and never updated; nodemailer-file-transport, no repository or description) are not kept. The stream
 * transport is nodemailer's own and all this adds is writing its buffer to a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config/config.js';

/** One message ready to go. */
export interface OutgoingMail {
  /** `<…@…>`: the same for every delivery of the same message, so a duplicate is recognisable. */
  messageId: string;
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** Where messages go, for logs: `smtp://host:587` (no credentials) or `folder /path`. */
  readonly description: string;
  /**
   * Hands one message over. Resolves with what the other side answered (the SMTP server's last reply, or the
   * file written) once it has taken the message; rejects with that answer when it refused it or did not answer
   * within SMTP_TIMEOUT_MS.
   */
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

/** SMTP when configured, otherwise the local mail folder. */
export function createMailTransport(config: MailConfig): MailTransport {
  return config.smtpUrl ? new SmtpTransport(config) : new MailFolderTransport(config.from, config.dir);
}

/** An error nodemailer reports for an SMTP exchange, with the server's reply when there was one. */
interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
}

class SmtpTransport implements MailTransport {
  readonly description: string;
  private readonly transporter;

  constructor(private readonly config: MailConfig) {
    this.description = config.smtpServer ?? 'smtp';
    const timeout = config.smtpTimeoutMs;
    // A connection per message (no pool): mail is a few messages per order, and a broken connection then never
    // carries over to the next message. Each step is bounded by the setting as well as the whole send (below).
    this.transporter = nodemailer.createTransport({
      url: config.smtpUrl,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      dnsTimeout: timeout,
      // Our own log lines say what was sent; nodemailer's would name every recipient.
      logger: false,
    });
  }

  async send(mail: OutgoingMail): Promise<string> {
    // The whole send, connection to acceptance, is bounded: the worker's lease must outlast it (SMTP_TIMEOUT_MS).
    const signal = AbortSignal.timeout(this.config.smtpTimeoutMs);
    try {
      const info = await this.transporter.sendMail({ from: this.config.from, to: [...mail.to], subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId, signal });
      return `${this.description} accepted it: ${info.response}`;
    } catch (e) {
      const err = e as SmtpError;
      if (signal.aborted) throw new Error(`${this.description} did not take the message within ${this.config.smtpTimeoutMs} ms (SMTP_TIMEOUT_MS)`, { cause: e });
      // The server's own words when it answered (e.g. "550 5.1.1 <x@y>: Recipient address rejected"), so the
      // back office sees why in the outbox row's lastError.
      const answer = err.response ? err.response : `${err.code ? `${err.code} ` : ''}${err.message}`;
      throw new Error(`${this.description} refused it: ${answer}`, { cause: e });
    }
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * Writes each message to `dir` as `<Message-ID>.eml` (RFC 5322, CRLF line ends; any mail program opens it).
 * A second delivery of the same message replaces its file rather than adding one: the folder holds each message
 * once. Written to a temporary name and renamed, so a reader never sees half a message.
 */
export class MailFolderTransport implements MailTransport {
  readonly description: string;
  private readonly transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(
    private readonly from: string,
    private readonly dir: string,
  ) {
    this.description = `folder ${dir}`;
  }

  async send(mail: OutgoingMail): Promise<string> {
    const info = await this.transporter.sendMail({ from: this.from, to: [...mail.to], subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId });
    await mkdir(this.dir, { recursive: true });
    const name = mailFileName(mail.messageId);
    const file = join(this.dir, `${name}.eml`);
    // A hidden name that does not end in .eml: a reader of the folder never takes it for a message.
    const temporary = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(temporary, info.message as Buffer);
    await rename(temporary, file);
    return `written to ${file}`;
  }

  close(): void {
    this.transporter.close();
  }
}

/** A Message-ID as a file name: its characters outside letters, digits, `.`, `_` and `-` become `_`. */
export function mailFileName(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
}
