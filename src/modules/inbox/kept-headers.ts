/**
 * What the inbox keeps of a message's headers: never a credential, never more than the configured number of bytes
 * (INBOX_HEADERS_KEEP), so junk headers cannot fill the database, and always text every database can store.
 */
import { storableText } from '../shared/storable-text.js';

/** Headers never written to the inbox. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** One header value longer than this is cut: gateways send short headers; a longer one is junk or an attack. */
const VALUE_KEEP_CHARS = 256;
/** Added when headers had to be left out, so a reader knows the record is partial. */
export const HEADERS_TRUNCATED = 'x-inbox-headers-truncated';

/** The headers to record, in arrival order, as far as they fit in `keepBytes` of JSON. */
export function keptHeaders(headers: Record<string, string>, keepBytes: number): Record<string, string> {
  const kept: Record<string, string> = {};
  let size = 2; // {}
  let dropped = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (SECRET_HEADERS.has(name)) continue;
    const k = storableText(name, VALUE_KEEP_CHARS);
    const v = storableText(value, VALUE_KEEP_CHARS);
    const entry = Buffer.byteLength(JSON.stringify({ [k]: v })) - 1; // "k":"v",
    if (size + entry > keepBytes - 64) {
      dropped++;
      continue;
    }
    kept[k] = v;
    size += entry;
  }
  if (dropped) kept[HEADERS_TRUNCATED] = `${dropped} header(s) not kept`;
  return kept;
}
