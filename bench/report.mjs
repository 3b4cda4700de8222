// Medians and the printed table.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const int = (n) => (n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const ratio = (n) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(2));

/** rows: { name, gatehouse, reference, ratioName, ratio, target, met }; names.reference heads the reference column. */
export function table(rows, names = {}) {
  const header = ['measurement', 'Gatehouse', names.reference ?? 'reference', 'ratio', 'value', 'target', 'met'];
  const lines = rows.map((row) => [
    row.name,
    int(row.gatehouse),
    int(row.reference),
    row.ratioName ?? '-',
    ratio(row.ratio),
    row.target ?? '-',
    row.met === undefined ? '-' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [format(header), `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...lines.map(format)].join('\n');
}
