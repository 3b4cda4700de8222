// Medians and the printed tables.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const missing = (n) => n === undefined || n === null || Number.isNaN(n);
export const int = (n) => (missing(n) ? '-' : Math.round(n).toLocaleString('en-US'));
export const micros = (n) => (missing(n) ? '-' : n.toFixed(1));
export const ratio = (n) => (missing(n) ? '-' : n.toFixed(2));
export const mib = (bytes) => (missing(bytes) ? '-' : (bytes / 2 ** 20).toFixed(1));

/** A Markdown table, padded to line up: the first column left-aligned, the others right-aligned. */
export function table(header, rows) {
  const cells = rows.map((row) => row.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

/** 'yes' / 'NO' for a ratio against a minimum (or, with `atMost`, a maximum); '-' without a target. */
export function met(value, target, atMost = false) {
  if (target === undefined || missing(value)) return '-';
  return (atMost ? value <= target : value >= target) ? 'yes' : 'NO';
}
