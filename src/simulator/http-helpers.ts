/**
 * Small pieces the simulator's route files share: the form-body parser (fastify has none built in, and the payment
 * window is an HTML form post) and strict parsing of numeric ids from the path.
 */
import type { FastifyInstance } from 'fastify';

/** Parses `application/x-www-form-urlencoded` bodies into a flat record (a repeated field keeps its last value). */
export function addFormBodyParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/** A positive integer id from a path segment, or undefined for anything else ("12abc", "-1", "1e3"). */
export function parseId(raw: string): number | undefined {
  if (!/^\d{1,15}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id > 0 ? id : undefined;
}

/** Non-string values (a JSON body posted to a form route) become absent, so validation reports them as missing. */
export function stringFields(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (typeof v === 'string') out[k] = v;
      else if (typeof v === 'number') out[k] = String(v);
    }
  }
  return out;
}
