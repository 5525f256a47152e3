// Rendering: a plain-text table for the terminal and a Markdown table (--md).

export function fmtS(x) {
  if (x == null) return '—';
  if (typeof x === 'object') {
    if (x.timedOut) return `>${x.seconds.toFixed(0)} (timeout)`;
    return fmtS(x.seconds);
  }
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function fmtRatio(r) {
  if (r == null || !Number.isFinite(r)) return '—';
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function fmtMiB(kib) {
  return kib == null ? '—' : `${(kib / 1024).toFixed(0)} MiB`;
}

export function textTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function mdTable(headers, rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
