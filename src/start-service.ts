/**
 * Runs the service, configured from the environment (see README), until SIGTERM or SIGINT; loaded by main.ts
 * (`npm start`) and worker.ts (`npm run worker`) after the runtime check.
 */
import { bootstrap, type RunningService } from './app/bootstrap.js';
import { createLogger } from './app/logger.js';
import { ConfigError, loadConfig, ServiceRole, type AppConfig } from './config/config.js';

/** Starts with the environment's configuration and `overrides` on top; stops cleanly on a signal. */
export async function runService(overrides: Record<string, string> = {}): Promise<void> {
  let config: AppConfig;
  let service: RunningService;
  try {
    config = loadConfig(process.env, overrides);
    service = await bootstrap(config);
  } catch (e) {
    // No configured logger yet (or none that started): the default one says why, once, and the process ends.
    createLogger('info').fatal(e instanceof ConfigError ? { problems: e.problems } : { err: e }, e instanceof ConfigError ? e.message : 'could not start');
    process.exit(1);
  }
  const log = service.services.log;
  const what = config.role === ServiceRole.WORKER ? 'background workers' : `${service.url}/graphql`;
  const workers = service.workers ? ' with background workers' : '';
  log.info(`Order Reconciler (${config.role}) on ${what}${workers} (database: ${config.database.kind}${config.redisUrl ? ', redis fan-out' : ''})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping: no new work; finishing what is in flight');
    service.close().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
