/**
 * The flow bench's printed results: the service beside Vendure (flows, the confirmation step) with ratios, and the
 * service's steps with their p50 / p99 and SQL statements. Numbers only; nothing here judges them.
 */
import { FLOW_STEPS, type FlowStep } from './flow-steps.js';
import type { FlowPhase, FlowResult } from './flow-protocol.js';
import { fixed, markdownTable, textTable, type Table } from './tables.js';
import type { VendureResult } from './vendure-peer.js';

/** One database's run: the service, what its process spent per window, its steps' statements, and Vendure. */
export interface FlowRow {
  database: string;
  service: FlowResult;
  /** SQL statements of each step of one flow (counted apart, without workers). */
  statements: Record<FlowStep, number>;
  costs: Record<FlowPhase, { cpuPercent: number; statements: number }>;
  vendure: VendureResult | null;
}

/** service / Vendure, for a measure where more is better (x 10.0) or where less is (0.10). */
const ratio = (service: number, vendure: number | undefined) => (vendure === undefined ? 'n/a' : fixed(service / vendure, 2));

function peerTable(rows: readonly FlowRow[]): Table {
  const lines = rows.flatMap(({ database, service: s, costs, statements, vendure: v }) => {
    const flowStatements = FLOW_STEPS.reduce((sum, step) => sum + statements[step], 0);
    const f = v?.checkout_flow;
    const c = v?.settle_only;
    const vendureCell = (n: number | undefined, digits: number) => (n === undefined ? 'n/a' : fixed(n, digits));
    return [
      [database, 'checkout flows/s', fixed(s.flows.perSecond, 1), vendureCell(f?.flows_per_s, 1), ratio(s.flows.perSecond, f?.flows_per_s)],
      [database, 'flow p50 ms', fixed(s.flows.p50, 1), vendureCell(f?.p50_ms, 1), ratio(s.flows.p50, f?.p50_ms)],
      [database, 'flow p99 ms', fixed(s.flows.p99, 1), vendureCell(f?.p99_ms, 1), ratio(s.flows.p99, f?.p99_ms)],
      [database, 'confirmations/s (callback; Vendure: settlePayment)', fixed(s.confirm.perSecond, 0), vendureCell(c?.settles_per_s, 0), ratio(s.confirm.perSecond, c?.settles_per_s)],
      [database, 'confirmation p50 ms', fixed(s.confirm.p50, 1), vendureCell(c?.p50_ms, 1), ratio(s.confirm.p50, c?.p50_ms)],
      [database, 'confirmation p99 ms', fixed(s.confirm.p99, 1), vendureCell(c?.p99_ms, 1), ratio(s.confirm.p99, c?.p99_ms)],
      [database, 'errors (flows / confirmations)', `${s.flows.errors} / ${s.confirm.errors}`, v ? `${f!.errors} / ${c!.errors}` : 'n/a', ''],
      [database, 'SQL statements per flow (one flow / under load)', `${flowStatements} / ${fixed(costs.flows.statements / s.flows.n, 1)}`, 'about 310 (its README)', ''],
      [database, 'SQL statements per confirmation under load', fixed(costs.confirm.statements / s.confirm.n, 1), 'about 39 (its README)', ''],
    ];
  });
  return { headers: ['database', 'measure', 'service', 'Vendure 3.7', 'service/Vendure'], rows: lines, numeric: new Set([2, 3, 4]) };
}

function stepTable(rows: readonly FlowRow[]): Table {
  const lines = rows.flatMap(({ database, service, statements }) =>
    FLOW_STEPS.map((step) => [database, step, fixed(service.flows.steps[step].p50, 1), fixed(service.flows.steps[step].p99, 1), String(statements[step])]),
  );
  return { headers: ['database', 'step', 'p50 ms', 'p99 ms', 'SQL statements'], rows: lines, numeric: new Set([2, 3, 4]) };
}

const NOTE =
  'service/Vendure: above 1 for flows/s and confirmations/s means the service did more; below 1 for the ms rows means it answered faster.';

export function flowText(rows: readonly FlowRow[]): string {
  return [textTable(peerTable(rows)), '', NOTE, '', textTable(stepTable(rows))].join('\n');
}

export function flowMarkdown(rows: readonly FlowRow[]): string {
  return [markdownTable(peerTable(rows)), '', markdownTable(stepTable(rows))].join('\n');
}
