/**
 * CLI tests run the built `mlv` (`node bin/run.js` → dist/). `npm test` builds first; when vitest is run
 * directly, rebuild here if any source file is newer than the build, so CLI tests never exercise stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (d.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = join(ROOT, 'oclif.manifest.json');
  const stale = !existsSync(join(ROOT, 'dist/index.js')) || !existsSync(built) || statSync(built).mtimeMs < newestMtime(join(ROOT, 'src'));
  if (stale) {
    process.stderr.write('[test setup] dist/ is older than src/: running `npm run build`\n');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
