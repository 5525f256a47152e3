/** Human-readable numbers for CLI output. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** 20000 → "20,000" (en-US grouping; `toLocaleString` would load ICU data, ~15 ms of every command). */
export function formatCount(n: number): string {
  const [whole, frac] = String(n).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

export function shortOid(oid: string): string {
  const i = oid.indexOf(':');
  return `${oid.slice(0, i + 1)}${oid.slice(i + 1, i + 13)}`;
}
