/**
 * A child process for the multi-process test: opens the service's database on its own connections
 * and adds one unit of a SKU to a cart, `count` times, as fast as it can. Prints a JSON summary.
 */
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/orm.js';
import { createLogger } from '../../src/app/logger.js';
import { createServices } from '../../src/app/services.js';
import { LiveStatusBus } from '../../src/modules/live/live-status.bus.js';

const [dbPath, cartId, sku, count] = process.argv.slice(2);
const config = loadConfig({ DATABASE_URL: dbPath, LOG_LEVEL: 'silent' });
const orm = await openDatabase(config.database, { migrate: false });
const services = createServices(config, createLogger('silent'), orm, await LiveStatusBus.start());
let failed = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    await services.carts.addLine(cartId, sku, 1);
  } catch (e) {
    failed++;
    console.error(String(e));
  }
}
await orm.close();
console.log(JSON.stringify({ failed }));
