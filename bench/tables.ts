/** Plain-text and markdown tables for the benches' printed results. Formatting only. */

export interface Table {
  headers: string[];
  rows: string[][];
  /** Columns (by index) holding numbers: right-aligned. */
  numeric: ReadonlySet<number>;
}

/** An aligned plain-text table for the terminal. */
export function textTable({ headers, rows, numeric }: Table): string {
  const all = [headers, ...rows];
  const width = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (numeric.has(i) ? cell.padStart(width[i]) : cell.padEnd(width[i]))).join('  ').trimEnd();
  return [line(headers), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in GitHub markdown. */
export function markdownTable({ headers, rows, numeric }: Table): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (numeric.has(i) ? '---:' : ':---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** `n` with `digits` decimals, or `n/a` when it is not a finite number. */
export const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
