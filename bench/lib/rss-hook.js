// Loaded with `node --import` when GNU time is missing: writes this process's peak RSS (KiB) at exit.
import { writeFileSync } from 'node:fs';

const file = process.env.MLV_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // best effort
    }
  });
}
