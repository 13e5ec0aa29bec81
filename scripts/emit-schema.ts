/**
 * `npm run schema:emit` writes schema/schema.graphql from the code; `npm run schema:check` fails when the committed
 * file differs from what the code emits (so a schema change is always a reviewed change of that file).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { buildAppSchema } from '../src/graphql/schema.js';

const FILE = 'schema/schema.graphql';
const HEADER = '# Emitted from the code by `npm run schema:emit`; do not edit. `npm run schema:check` fails when this file is stale.\n\n';

const emitted = HEADER + printSchema(lexicographicSortSchema(await buildAppSchema())) + '\n';
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(FILE, 'utf8');
  } catch {
    // missing counts as different
  }
  if (committed !== emitted) {
    console.error(`${FILE} is stale: run \`npm run schema:emit\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${FILE} matches the code.`);
} else {
  writeFileSync(FILE, emitted);
  console.log(`wrote ${FILE}`);
}
