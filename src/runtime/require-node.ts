/**
 * The service needs Node 24 (MikroORM 7, better-sqlite3 13, which crashes on older Node instead of failing
 * cleanly). npm scripts get it from the `node` devDependency; this check gives anyone starting a compiled entry
 * point by hand on an older Node a clear message instead of a crash. Imported before anything native loads, and
 * so before the logger: the one place that writes to the console.
 */
const REQUIRED_MAJOR = 24;

export function requireNode24(howToRun: string): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= REQUIRED_MAJOR) return;
  console.error(
    `Order Reconciler needs Node ${REQUIRED_MAJOR} or later; this is Node ${process.versions.node}.\n` +
      `Run it with \`${howToRun}\` (npm puts the Node ${REQUIRED_MAJOR} from node_modules first on PATH), ` +
      `or with node_modules/.bin/node.`,
  );
  process.exit(1);
}
