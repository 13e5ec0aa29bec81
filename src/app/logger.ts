/**
 * The service's one structured logger (pino). Made once in bootstrap and handed to every part: the HTTP server
 * logs requests through it, the other parts log with a `component` child. Nothing in the service writes to the
 * console.
 */
import { pino, type Logger } from 'pino';
import { GATEWAY_MODULES } from '../gateways/gateway-catalogue.js';

export type { Logger };

/** What must never reach a log line, whichever part logs the request or error. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  // Each gateway's signature headers.
  ...GATEWAY_MODULES.flatMap((m) => m.secretHeaders.map((h) => `req.headers["${h}"]`)),
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: REDACTED });
}
