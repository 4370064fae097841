/**
 * The closing table of `npm run bench`: every figure with its target, side by
 * side, from one run, with the load average (the rates move with it on a
 * shared machine). Sections add their rows as they measure.
 */
import { cpus, loadavg } from 'node:os';

export interface SummaryRow {
  figure: string;
  measured: string;
  /** The target as text (`≥ 0.15×`), or '—' when the figure is for information. */
  target: string;
  /** Whether the target is met; null for information only. */
  met: boolean | null;
}

const rows: SummaryRow[] = [];
const loads: number[] = [];

/** Adds a row to the closing table. */
export function addSummary(row: SummaryRow): void {
  rows.push(row);
}

/** Notes the 1-minute load average now (at the start and end of each section). */
export function noteLoad(): void {
  loads.push(loadavg()[0]!);
}

/** Prints the table of every figure with its target. */
export function printSummary(): void {
  if (rows.length === 0) return;
  const width = Math.max(...rows.map((r) => r.figure.length));
  const valueWidth = Math.max(...rows.map((r) => r.measured.length));
  const load = loads.length > 0 ? `load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : 'load average unknown';
  console.info(`\n== Summary (${cpus().length} cores, ${load}) ==`);
  console.info(`  ${'figure'.padEnd(width)}  ${'measured'.padEnd(valueWidth)}  target`);
  for (const r of rows) {
    const verdict = r.met === null ? '' : r.met ? ' ok' : ' MISSED';
    console.info(`  ${r.figure.padEnd(width)}  ${r.measured.padEnd(valueWidth)}  ${r.target}${verdict}`);
  }
}
