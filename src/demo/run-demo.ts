/**
 * `npm run demo`: the QuickPay simulator, the service and the demo storefront in one process, with a small
 * catalogue, on a local SQLite file (./data/demo.sqlite). Prints where to go and what to try. See demo.ts for the
 * environment variables it reads.
 */
import { ConfigError } from '../config/config.js';
import { startDemo } from './demo.js';

try {
  const demo = await startDemo();
  console.log(demo.banner());
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log('\nstopping the demo…');
      demo.close().then(
        () => process.exit(0),
        (e: unknown) => {
          console.error('close failed:', e);
          process.exit(1);
        },
      );
    });
  }
} catch (e) {
  const inUse = (e as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
  console.error(
    e instanceof ConfigError
      ? e.message
      : inUse
        ? `${(e as Error).message}: another program uses that port; set PORT / SIMULATOR_PORT (0 picks a free one)`
        : e,
  );
  process.exit(1);
}
