/**
 * The service's one structured logger (pino). Made once in bootstrap and handed to every part: the HTTP server
 * logs requests through it, the other parts log with a `component` child. Nothing in the service writes to the
 * console.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** What must never reach a log line, whichever part logs the request or error. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["quickpay-checksum-sha256"]',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: REDACTED });
}
