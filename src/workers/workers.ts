/**
 * The background workers of one process: the outbox's delivery and the reconciler. They start with the service (or alone, in a
 * process started with SERVICE_ROLE=worker) and stop with it, finishing the batch in hand within the grace period.
 */
import type { Services } from '../app/services.js';
import { OutboxDispatcher } from '../modules/outbox/outbox-dispatcher.js';
import { outboxHandlers } from '../modules/outbox/outbox-handlers.js';
import { DATABASE_TIMEOUT_DEFAULTS, ServiceRole } from '../config/config.js';
import { WorkerLoop } from './worker-loop.js';

export interface RunningWorkers {
  readonly outbox: OutboxDispatcher;
  /** Stops every loop; waits for the work in progress up to `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

export function startWorkers(services: Services): RunningWorkers {
  const { config, orm, transitions, log } = services;
  const busyTimeoutMs = (config.database.timeouts ?? DATABASE_TIMEOUT_DEFAULTS).busyMs;
  const outbox = new OutboxDispatcher(orm, config.database.kind, transitions, outboxHandlers(services), config.outbox, busyTimeoutMs, log.child({ component: 'outbox' }), config.role === ServiceRole.ALL ? services.foreground : undefined);
  const loopLog = log.child({ component: 'workers' });
  const loops = [new WorkerLoop(outbox, config.outbox.pollIntervalMs, loopLog), new WorkerLoop(services.reconciler, config.reconciler.pollIntervalMs, loopLog)];
  for (const loop of loops) loop.start();
  return {
    outbox,
    async stop(graceMs) {
      await Promise.all(loops.map((l) => l.stop(graceMs)));
    },
  };
}
