// Runs the compiled test suites with node's test runner, under the Node 24 that npm puts first on PATH.
//   node scripts/run-tests.mjs sqlite     units, integration, properties, end-to-end, simulator (SQLite; no server needed)
//   node scripts/run-tests.mjs postgres   integration, properties, end-to-end and the PostgreSQL-only races, on PostgreSQL
//   node scripts/run-tests.mjs redis      cross-instance fan-out through Redis
//   node scripts/run-tests.mjs faults     the service surviving faults of its database and Redis (own instances)
//   node scripts/run-tests.mjs browser    the demo in headless Chromium (Debian's chromium package)
// Extra arguments are passed to `node --test` (for example --test-name-pattern=checkout).
// A test that hangs fails after 3 minutes. In the suites that take databases and Redis down (`forceExit`), a file
// whose tests are done exits even if a handle was left open (a connection pool to a database a test took down, say),
// so CI never waits on a stuck process. Only there: `--test-force-exit` ends a file's process before its report has
// reached the runner now and then, and the tests at the file's end are then neither passed nor failed but missing
// from the count (seen with the unit suites: 155-163 of 165 reported), so a failure there could go unseen.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const SUITES = {
  sqlite: { dirs: ['unit', 'integration', 'property', 'e2e', 'simulator'], env: { TEST_DATABASE: 'sqlite' } },
  postgres: { dirs: ['integration', 'property', 'e2e', 'postgres'], env: { TEST_DATABASE: 'postgresql' } },
  redis: { dirs: ['redis'], env: { TEST_DATABASE: 'sqlite' }, forceExit: true },
  faults: { dirs: ['faults'], env: { TEST_DATABASE: 'sqlite' }, forceExit: true },
  browser: { dirs: ['browser'], env: { TEST_DATABASE: 'sqlite' }, forceExit: true },
};

const [suiteName = 'sqlite', ...extra] = process.argv.slice(2);
const suite = SUITES[suiteName];
if (!suite) {
  console.error(`unknown suite ${suiteName}; one of ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}

const files = suite.dirs.flatMap((dir) => {
  const root = join('dist', 'test', dir);
  return existsSync(root) ? readdirSync(root, { recursive: true }).filter((f) => f.endsWith('.test.js')).map((f) => join(root, f)) : [];
});
if (files.length === 0) {
  console.error(`no compiled tests for suite ${suiteName}: run npm run build first`);
  process.exit(1);
}
// The service's own runtime check (compiled with the tests), so the rule lives in one place.
const { requireNode24 } = await import('../dist/src/runtime/require-node.js');
requireNode24('npm test');

const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...(suite.forceExit ? ['--test-force-exit'] : []), '--test-reporter=spec', ...extra, ...files.sort()], {
  stdio: 'inherit',
  env: { ...process.env, ...suite.env },
});
process.exit(result.status ?? 1);
