/**
 * The back office's order search (seed 003's exports by ready date): a filter, and Relay-style cursor pages in a
 * stable order. Orders filtered by when they became ready come by `readyAt`, then id, oldest first (the order an
 * integration exports them in); any other search comes newest placed first, then by id. The cursor holds the
 * sort key and id of the last order of a page (keyset pagination): a page costs the same however deep it is, and
 * orders placed while one pages through never shift the pages.
 */
import type { Orm } from '../../db/orm.js';
import { BadUserInputError } from '../../errors/app-errors.js';
import { Payment } from '../payment/payment.entity.js';
import type { PaymentStatus } from '../payment/payment.machine.js';
import type { OrderWithPayment } from './order-query.service.js';
import { Order, type OrderFlag } from './order.entity.js';
import type { OrderStatus } from './order.machine.js';

/** A half-open window [from, to): an order at exactly `to` belongs to the next window. */
export interface DateRange {
  from: Date;
  to: Date;
}

export interface OrderFilter {
  status?: OrderStatus | null;
  paymentStatus?: PaymentStatus | null;
  flag?: OrderFlag | null;
  placedBetween?: DateRange | null;
  readyBetween?: DateRange | null;
}

export interface OrderPage {
  rows: (OrderWithPayment & { cursor: string })[];
  hasNextPage: boolean;
  endCursor: string | null;
}

type SortKey = 'readyAt' | 'placedAt';

function checkRange(range: DateRange | null | undefined, name: string): void {
  if (!range) return;
  if (!(range.from instanceof Date) || !(range.to instanceof Date) || Number.isNaN(range.from.getTime()) || Number.isNaN(range.to.getTime())) {
    throw new BadUserInputError(`${name} needs a valid from and to`, { field: name });
  }
  if (range.from.getTime() >= range.to.getTime()) throw new BadUserInputError(`${name}: from must be before to`, { field: name });
}

function encodeCursor(key: SortKey, at: Date, id: string): string {
  return Buffer.from(JSON.stringify([key, at.getTime(), id])).toString('base64url');
}

function decodeCursor(cursor: string, key: SortKey): { at: Date; id: string } {
  try {
    const [k, at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
    if (k === key && typeof at === 'number' && Number.isFinite(at) && typeof id === 'string' && id.length <= 36) return { at: new Date(at), id };
  } catch {
    // falls through to the refusal
  }
  throw new BadUserInputError('after is not a cursor of this search (use pageInfo.endCursor of the previous page, with the same filter)', { field: 'after' });
}

export class OrderSearch {
  constructor(private readonly orm: Orm) {}

  /** One page of orders matching `filter`, `first` of them, after the cursor `after`. */
  async page(filter: OrderFilter, first: number, after: string | null): Promise<OrderPage> {
    checkRange(filter.placedBetween, 'placedBetween');
    checkRange(filter.readyBetween, 'readyBetween');
    const key: SortKey = filter.readyBetween ? 'readyAt' : 'placedAt';
    const ascending = key === 'readyAt';
    const em = this.orm.em.fork();
    const qb = em.createQueryBuilder(Order, 'o').select('*');
    if (filter.status) qb.andWhere({ status: filter.status });
    if (filter.placedBetween) qb.andWhere({ placedAt: { $gte: filter.placedBetween.from, $lt: filter.placedBetween.to } });
    if (filter.readyBetween) qb.andWhere({ readyAt: { $gte: filter.readyBetween.from, $lt: filter.readyBetween.to } });
    if (filter.paymentStatus) qb.andWhere('o.id in (select p.order_id from payments p where p.status = ?)', [filter.paymentStatus]);
    // Flags are a JSON list; its text holds each flag in quotes, on SQLite and PostgreSQL alike.
    if (filter.flag) qb.andWhere('cast(o.flags as text) like ?', [`%"${filter.flag}"%`]);
    if (after) {
      const c = decodeCursor(after, key);
      const beyond = ascending ? '$gt' : '$lt';
      qb.andWhere({ $or: [{ [key]: { [beyond]: c.at } }, { [key]: c.at, id: { [beyond]: c.id } }] });
    }
    const direction = ascending ? 'asc' : 'desc';
    qb.orderBy({ [key]: direction, id: direction }).limit(first + 1);
    const found = await qb.getResultList();
    const orders = found.slice(0, first);
    const payments = orders.length ? await em.find(Payment, { orderId: { $in: orders.map((o) => o.id) } }) : [];
    const byOrder = new Map(payments.map((p) => [p.orderId, p]));
    const rows = orders.map((order) => ({ order, payment: byOrder.get(order.id)!, cursor: encodeCursor(key, order[key] ?? order.placedAt, order.id) }));
    return { rows, hasNextPage: found.length > first, endCursor: rows.at(-1)?.cursor ?? null };
  }
}
