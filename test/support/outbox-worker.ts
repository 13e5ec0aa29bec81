/** An outbox worker a test drives by hand (one `runOnce` at a time), on a running test service's database. */
import { pino } from 'pino';
import { DATABASE_TIMEOUT_DEFAULTS, type OutboxPolicy } from '../../src/config/config.js';
import type { OutboxHandler } from '../../src/modules/outbox/outbox-handler.js';
import { OutboxDispatcher } from '../../src/modules/outbox/outbox-dispatcher.js';
import { outboxHandlers } from '../../src/modules/outbox/outbox-handlers.js';
import type { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import type { Services } from '../../src/app/services.js';

/**
 * A worker on `svc`'s database. It gives way to the service's front door only when `givesWay` is set, as the
 * service's own workers do: tests that drive it beside their own requests want every due row delivered.
 */
export function outboxWorker(
  svc: { services: Services },
  policy: Partial<OutboxPolicy> = {},
  handlers: Map<OutboxTopic, OutboxHandler> = outboxHandlers(svc.services),
  givesWay = false,
): OutboxDispatcher {
  const { orm, config, transitions, foreground } = svc.services;
  const busyMs = (config.database.timeouts ?? DATABASE_TIMEOUT_DEFAULTS).busyMs;
  return new OutboxDispatcher(orm, config.database.kind, transitions, handlers, { ...config.outbox, ...policy }, busyMs, pino({ level: 'silent' }), givesWay ? foreground : undefined);
}

/** Runs `worker` until it finds nothing due. */
export async function drain(worker: OutboxDispatcher): Promise<number> {
  let total = 0;
  for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) total += n;
  return total;
}
