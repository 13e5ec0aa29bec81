/**
 * `npm run demo`: the QuickPay simulator, the service and the demo storefront in one process, with a small
 * catalogue, on a local SQLite file (./data/demo.sqlite). Prints where to go and what to try (the banner is the
 * demo's own text on stdout, for a person; everything else goes through the service's logger). See demo.ts for
 * the environment variables it reads.
 */
import { createLogger } from '../app/logger.js';
import { ConfigError } from '../config/config.js';
import { startDemo } from './demo.js';

try {
  const demo = await startDemo();
  process.stdout.write(`${demo.banner()}\n`);
  const log = demo.service.services.log;
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log.warn({ signal }, 'stopping the demo');
      demo.close().then(
        () => {
          log.warn('demo stopped cleanly');
          process.exit(0);
        },
        (err: unknown) => {
          log.error({ err }, 'the demo did not stop cleanly');
          process.exit(1);
        },
      );
    });
  }
} catch (e) {
  const inUse = (e as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
  const why =
    e instanceof ConfigError
      ? e.message
      : inUse
        ? `${(e as Error).message}: another program uses that port; set PORT / SIMULATOR_PORT (0 picks a free one)`
        : 'the demo could not start';
  createLogger('info').fatal(e instanceof ConfigError || inUse ? {} : { err: e }, why);
  process.exit(1);
}
