/**
 * Text that every database can store: PostgreSQL's text and JSON refuse NUL (U+0000), and a lone UTF-16 surrogate
 * cannot be encoded as UTF-8 at all. Text the service keeps for diagnosis (an error message quoting a body, a
 * header, a reference read from a message nobody verified) passes through here first, so keeping it can never fail.
 */

/** Whether `s` holds a NUL or a lone surrogate: text the databases cannot store as it is. */
export function hasUnstorableCharacters(s: string): boolean {
  return s.includes('\u0000') || !s.isWellFormed();
}

/** `s` with NULs and lone surrogates replaced by U+FFFD, and cut to `maxLength` characters (with an ellipsis). */
export function storableText(s: string, maxLength: number): string {
  const clean = s.toWellFormed().replaceAll('\u0000', '\uFFFD');
  return clean.length <= maxLength ? clean : `${clean.slice(0, Math.max(0, maxLength - 1))}…`;
}
