/**
 * Seed 003's order export: the orders that became ready in a window, as XML, each with `<date>` (placed, the
 * seed's "approved") and `<dateReady>` (when the payment was authorised: what an integration should select by),
 * its lines, custom fields, totals and a `<payment>` segment. Streamed: orders are read a page at a time and each
 * is written out before the next page is read, so a large window never sits whole in memory.
 */
import { createCB } from 'xmlbuilder2';
import type { XMLBuilderCB } from 'xmlbuilder2/lib/interfaces.js';
import type { OrderWithPayment } from './order-query.service.js';
import { OrderLineKind } from './order.entity.js';
import type { DateRange, OrderSearch } from './order-search.js';

/** Orders read from the database at once while exporting. */
const PAGE = 100;

function writeOrder(xml: XMLBuilderCB, { order, payment }: OrderWithPayment): void {
  const text = (name: string, value: string | number | boolean | null | undefined) => void xml.ele(name).txt(value === null || value === undefined ? '' : String(value)).up();
  xml.ele('order', { id: order.id });
  text('date', order.placedAt.toISOString());
  text('dateReady', order.readyAt?.toISOString());
  text('status', order.status);
  text('currency', order.currency);
  text('subtotal', order.subtotal);
  text('discount', order.discountTotal);
  text('giftCards', order.giftCardTotal);
  text('total', order.total);
  xml.ele('lines');
  for (const line of order.lines) {
    xml.ele('line', { kind: line.kind ?? OrderLineKind.PRODUCT });
    text('sku', line.sku);
    text('name', line.name);
    text('quantity', line.quantity);
    text('unitPrice', line.unitPrice);
    text('lineTotal', line.lineTotal);
    xml.up();
  }
  xml.up().ele('customFields');
  for (const [key, value] of Object.entries(order.customFields)) xml.ele('field', { key }).txt(value).up();
  xml.up().ele('coupons');
  for (const code of order.couponCodes) text('coupon', code);
  xml.up().ele('flags');
  for (const f of order.flags) text('flag', f);
  xml.up().ele('payment', { gateway: payment.gateway, reference: payment.reference });
  text('status', payment.status);
  text('amount', payment.amount);
  text('authorized', payment.amountAuthorized);
  text('captured', payment.amountCaptured);
  text('refunded', payment.amountRefunded);
  text('fee', payment.fee);
  text('testCard', payment.testMode);
  xml.up().up();
}

/** The export of the orders that became ready in `window`, in chunks of text, in `readyAt` order. */
export async function* exportReadyOrders(search: OrderSearch, window: DateRange): AsyncGenerator<string> {
  const chunks: string[] = [];
  // Characters XML 1.0 cannot carry (control characters a custom field may hold) become U+FFFD, not a broken file.
  const xml = createCB({ data: (chunk: string) => void chunks.push(chunk), prettyPrint: true, invalidCharReplacement: '\uFFFD' });
  const flush = function* () {
    if (chunks.length) yield chunks.splice(0).join('');
  };
  xml.dec({ version: '1.0', encoding: 'UTF-8' }).ele('orders', { readyFrom: window.from.toISOString(), readyTo: window.to.toISOString() });
  yield* flush();
  let after: string | null = null;
  for (;;) {
    const page = await search.page({ readyBetween: window }, PAGE, after);
    for (const row of page.rows) {
      writeOrder(xml, row);
      yield* flush();
    }
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  xml.up().end();
  yield* flush();
}
