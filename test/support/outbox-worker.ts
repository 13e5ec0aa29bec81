/** An outbox worker a test drives by hand (one `runOnce` at a time), on a running test service's database. */
import { pino } from 'pino';
import { DATABASE_TIMEOUT_DEFAULTS, type OutboxPolicy } from '../../src/config/config.js';
import type { OutboxHandler } from '../../src/modules/outbox/outbox-handler.js';
import { OutboxDispatcher } from '../../src/modules/outbox/outbox-dispatcher.js';
import { outboxHandlers } from '../../src/modules/outbox/outbox-handlers.js';
import type { OutboxTopic } from '../../src/modules/outbox/outbox-message.entity.js';
import type { Services } from '../../src/app/services.js';

export function outboxWorker(svc: { services: Services }, policy: Partial<OutboxPolicy> = {}, handlers: Map<OutboxTopic, OutboxHandler> = outboxHandlers(svc.services)): OutboxDispatcher {
  const { orm, config, transitions } = svc.services;
  return new OutboxDispatcher(orm, config.database.kind, transitions, handlers, { ...config.outbox, ...policy }, (config.database.timeouts ?? DATABASE_TIMEOUT_DEFAULTS).busyMs, pino({ level: 'silent' }));
}

/** Runs `worker` until it finds nothing due. */
export async function drain(worker: OutboxDispatcher): Promise<number> {
  let total = 0;
  for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) total += n;
  return total;
}
