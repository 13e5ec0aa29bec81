/**
 * The writes a lineage transaction owes at its end (its changed rows, audit rows, side effects, the record of the
 * message it applies), sent to PostgreSQL as one statement: each write a data-modifying WITH query
 * (`with lead as (…), w0 as (…), w1 as (…) select …`), which PostgreSQL runs once each, to completion, in the
 * statement's one snapshot. That is one round trip instead of five on the callback path (issue 7). On SQLite, where
 * a statement costs no round trip and WITH cannot hold writes, they run one after another.
 *
 * The writes must not depend on each other's effects (PostgreSQL runs them against the same snapshot), with one
 * exception: the **lead** statement may hand back a value (`returning`, an id) that later statements use where
 * their values hold {@link LEAD_RESULT}.
 */
import { DatabaseKind } from '../config/config.js';
import type { Em } from './orm.js';
import type { Statement } from './row-statements.js';

/** A value to be replaced by what the batch's lead statement hands back (null when it handed back nothing). */
export const LEAD_RESULT = Symbol('what the lead statement of the batch returns');

/** What a batch's run says: the lead's value, or undefined when it wrote no row (or there was no lead). */
export interface BatchResult {
  lead: unknown;
}

export class WriteBatch {
  private leadStatement: (Statement & { returning: string }) | undefined;
  private readonly writes: Statement[] = [];

  /** Sets the statement that runs first and hands back `returning`. */
  lead(statement: Statement & { returning: string }): void {
    this.leadStatement = statement;
  }

  add(statement: Statement): void {
    this.writes.push(statement);
  }

  /** Runs the batch in `em`'s transaction. On SQLite, when the lead writes no row, nothing after it runs. */
  async run(em: Em, kind: DatabaseKind): Promise<BatchResult> {
    const lead = this.leadStatement;
    if (!lead && this.writes.length === 0) return { lead: undefined };
    return kind === DatabaseKind.POSTGRESQL && this.writes.length + (lead ? 1 : 0) > 1 ? this.runAsOne(em, lead) : this.runInTurn(em, lead);
  }

  private async runAsOne(em: Em, lead: (Statement & { returning: string }) | undefined): Promise<BatchResult> {
    const q = (id: string) => em.getPlatform().quoteIdentifier(id);
    const parts: string[] = [];
    const values: unknown[] = [];
    if (lead) {
      parts.push(`lead as (${lead.sql})`);
      values.push(...lead.values);
    }
    const leadValue = lead ? `(select ${q(lead.returning)} from lead)` : 'null';
    this.writes.forEach((write, i) => {
      const { sql, values: own } = withLeadResult(write, leadValue);
      parts.push(`w${i} as (${sql})`);
      values.push(...own);
    });
    const sql = `with ${parts.join(', ')} select ${lead ? `${q(lead.returning)} as lead from lead` : '1 as done'}`;
    const rows = await em.getConnection().execute<Record<string, unknown>[]>(sql, values, 'all', em.getTransactionContext());
    return { lead: lead ? rows[0]?.lead : undefined };
  }

  private async runInTurn(em: Em, lead: (Statement & { returning: string }) | undefined): Promise<BatchResult> {
    const connection = em.getConnection();
    const ctx = em.getTransactionContext();
    let leadValue: unknown;
    if (lead) {
      const [row] = await connection.execute<Record<string, unknown>[]>(lead.sql, lead.values, 'all', ctx);
      leadValue = row?.[lead.returning];
      if (leadValue === undefined) return { lead: undefined };
    }
    for (const write of this.writes) {
      await connection.execute(write.sql, write.values.map((v) => (v === LEAD_RESULT ? (leadValue ?? null) : v)), 'run', ctx);
    }
    return { lead: leadValue };
  }
}

/** `write` with each placeholder whose value is LEAD_RESULT replaced by `leadSql` (and that value dropped). */
function withLeadResult(write: Statement, leadSql: string): { sql: string; values: unknown[] } {
  if (!write.values.includes(LEAD_RESULT)) return write;
  let n = 0;
  const values: unknown[] = [];
  // Our statements carry `?` only as placeholders (identifiers are quoted names, every value is bound).
  const sql = write.sql.replace(/\?/g, () => {
    const value = write.values[n++];
    if (value === LEAD_RESULT) return leadSql;
    values.push(value);
    return '?';
  });
  return { sql, values };
}
