/**
 * Runs the QuickPay simulator as its own process (`npm run simulator`). Configuration from the environment:
 * SIMULATOR_PORT (4010), SIMULATOR_HOST (127.0.0.1), QUICKPAY_API_KEY and QUICKPAY_PRIVATE_KEY (required),
 * QUICKPAY_MERCHANT_ID (optional: refuse other merchants), SIMULATOR_RETRY_INTERVAL_MS (1000),
 * SIMULATOR_MAX_ATTEMPTS (24), SIMULATOR_PUBLIC_URL (the URL browsers use; default http://host:port), LOG_LEVEL (info).
 */
import { pino } from 'pino';
import { z } from 'zod';
import { startQuickPaySimulator } from './quickpay-simulator.js';

const EnvSchema = z.object({
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  QUICKPAY_API_KEY: z.string({ error: 'is required' }).min(1, 'is required'),
  QUICKPAY_PRIVATE_KEY: z.string({ error: 'is required' }).min(1, 'is required'),
  QUICKPAY_MERCHANT_ID: z.string().optional(),
  SIMULATOR_RETRY_INTERVAL_MS: z.coerce.number().int().min(1).default(1000),
  SIMULATOR_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(24),
  SIMULATOR_PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

// Empty variables count as unset, as in a .env file with `KEY=`.
const env = EnvSchema.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
if (!env.success) {
  console.error(`invalid simulator configuration:\n${env.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  process.exit(1);
}
const logger = pino({ name: 'quickpay-simulator', level: env.data.LOG_LEVEL });

const simulator = await startQuickPaySimulator({
  port: env.data.SIMULATOR_PORT,
  host: env.data.SIMULATOR_HOST,
  apiKey: env.data.QUICKPAY_API_KEY,
  privateKey: env.data.QUICKPAY_PRIVATE_KEY,
  merchantId: env.data.QUICKPAY_MERCHANT_ID,
  retryIntervalMs: env.data.SIMULATOR_RETRY_INTERVAL_MS,
  maxAttempts: env.data.SIMULATOR_MAX_ATTEMPTS,
  publicUrl: env.data.SIMULATOR_PUBLIC_URL,
  logger,
});
logger.info({ url: simulator.url }, 'QuickPay simulator listening');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    simulator.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'close failed');
        process.exit(1);
      },
    );
  });
}
