/**
 * The storefront operations of the checkout-flow bench, read from bench/operations/flow.graphql (which
 * `npm run codegen` checks against the schema), one query text per operation, as a storefront sends them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print } from 'graphql';

/** The source file, found from the compiled bench (dist/bench/) or the sources alike. */
const SOURCE = fileURLToPath(new URL('../../bench/operations/flow.graphql', import.meta.url));

export type FlowOperation =
  | 'BenchCreateCart'
  | 'BenchAddCartLine'
  | 'BenchSetCartCustomField'
  | 'BenchCheckout'
  | 'BenchReportRedirectOutcome'
  | 'BenchOrder'
  | 'BenchPaymentStatusChanged';

/** Operation name -> its query text, alone (no other operation in the document). */
export function flowOperations(): Record<FlowOperation, string> {
  const texts: Record<string, string> = {};
  for (const definition of parse(readFileSync(SOURCE, 'utf8')).definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) texts[definition.name.value] = print(definition);
  }
  return texts as Record<FlowOperation, string>;
}
