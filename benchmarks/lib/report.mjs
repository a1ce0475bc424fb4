/**
 * Output conventions shared by every benchmark: progress on stderr, human-readable tables on stdout,
 * and as the very last stdout line one JSON object `{"bench": name, "metrics": {...}}`.
 */
import { availableParallelism, loadavg } from 'node:os';

const started = performance.now();

/** A progress line on stderr, stamped with seconds since start. */
export function progress(message) {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

/** 1234567 → "1.23 M", 637000 → "637 k". */
export function formatCount(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)} k`;
  return value.toFixed(value >= 100 ? 0 : 2);
}

/** A ratio with two decimals and a ×, or "—" when either side is missing. */
export function formatRatio(value) {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—';
}

/** Prints a table: `columns` are header strings; numbers are right-aligned, text left-aligned. */
export function printTable(title, columns, rows) {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined || cell === null ? '—' : String(cell))));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((row) => row[index].length)));
  const isNumeric = columns.map((_, index) => cells.every((row) => /^[-\d.,—]/.test(row[index]) || row[index] === '—'));
  const format = (row) => row.map((cell, index) => (isNumeric[index] ? cell.padStart(widths[index]) : cell.padEnd(widths[index]))).join('  ');
  console.log(`\n${title}`);
  console.log(format(columns));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of cells) console.log(format(row));
}

/** Machine facts worth keeping next to the figures (the load average tells whether others were running). */
export function environmentMetrics() {
  const [load1] = loadavg();
  return { node: process.versions.node, cores: availableParallelism(), loadAverage1m: Number(load1.toFixed(2)) };
}

/** The final line: exactly one JSON object. Call last. */
export function emitResult(bench, metrics) {
  console.log(JSON.stringify({ bench, metrics }));
}

/** Rounds every non-integer of a metrics object to `digits` significant digits, recursively (keeps the JSON readable). */
export function roundMetrics(value, digits = 4) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    return Number.isInteger(value) ? value : Number(value.toPrecision(digits));
  }
  if (Array.isArray(value)) return value.map((item) => roundMetrics(item, digits));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, roundMetrics(item, digits)]));
  }
  return value;
}
