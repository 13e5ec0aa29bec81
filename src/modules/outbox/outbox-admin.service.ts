/**
 * The back office's view of side effects: what waits, what failed and why, and a retry by hand of a failed one,
 * recorded in the audit trail with the reason given.
 */
import type { EntityWriter } from '../../db/busy-retry.js';
import type { Orm } from '../../db/orm.js';
import { ConflictError, NotFoundError } from '../../errors/app-errors.js';
import { StatusTransition, TransitionSource, TransitionSubject } from '../audit/status-transition.entity.js';
import { checkReason } from '../shared/reason.js';
import { storableText } from '../shared/storable-text.js';
import { OutboxMessage, OutboxStatus, type OutboxTopic } from './outbox-message.entity.js';

export interface OutboxFilter {
  status?: OutboxStatus | null;
  topic?: OutboxTopic | null;
  orderId?: string | null;
}

export class OutboxAdminService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: EntityWriter,
  ) {}

  async list(filter: OutboxFilter, limit: number): Promise<OutboxMessage[]> {
    const where: Record<string, unknown> = {};
    if (filter.status) where.status = filter.status;
    if (filter.topic) where.topic = filter.topic;
    if (filter.orderId) where.orderId = filter.orderId;
    return this.orm.em.fork().find(OutboxMessage, where, { orderBy: { id: 'desc' }, limit });
  }

  /** Gives a FAILED row a fresh set of attempts, due now; audited. */
  async retry(id: number, reason: string): Promise<OutboxMessage> {
    const why = checkReason(reason);
    return this.writer.write(async (em) => {
      const row = await em.findOne(OutboxMessage, { id });
      if (!row) throw new NotFoundError('OutboxMessage', String(id));
      if (row.status !== OutboxStatus.FAILED) throw new ConflictError(`outbox message ${id} is ${row.status}; only a FAILED one is retried by hand`, { status: row.status });
      const now = new Date();
      em.assign(row, { status: OutboxStatus.PENDING, attempts: 0, nextAttemptAt: now, leaseOwner: null, leaseExpiresAt: null });
      em.create(StatusTransition, {
        subject: TransitionSubject.OUTBOX,
        subjectId: String(row.id),
        orderId: row.orderId,
        fromStatus: OutboxStatus.FAILED,
        toStatus: OutboxStatus.PENDING,
        trigger: 'outbox.retry',
        source: TransitionSource.BACK_OFFICE,
        inboxMessageId: null,
        detail: `${row.topic}: ${why} (last error: ${storableText(row.lastError ?? 'none', 300)})`,
        at: now,
      });
      return row;
    });
  }
}
