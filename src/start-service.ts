/** Starts the service, configured from the environment (see README); loaded by main.ts after the runtime check. */
import { bootstrap } from './app/bootstrap.js';
import { ConfigError, loadConfig } from './config/config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const service = await bootstrap(config);
  service.http.app.log.info(`Order Reconciler on ${service.url}/graphql (database: ${config.database.kind}${config.redisUrl ? ', redis fan-out' : ''})`);
  const stop = async () => {
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
