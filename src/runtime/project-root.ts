/**
 * The project's root folder, found at runtime. tsc copies nothing but compiled code into dist/, so files shipped
 * beside the source (the demo's pages, the default mail templates) are read from the source tree; this finds it
 * from src/ (tests, tsx) and from dist/src/ (`npm start`) alike.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above `from` (by default this file's) with a package.json. Throws when there is none. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
