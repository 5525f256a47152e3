/**
 * `npm run demo` doubles as an end-to-end smoke test: it trains real models on two dataset versions in a
 * temp Git repo, versions them with the built CLI, and verifies byte-for-byte restores. Here it runs as a
 * subprocess with its output piped, as CI would run it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO = fileURLToPath(new URL('../../scripts/demo.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.FORCE_COLOR; // output is piped: the demo must choose plain text by itself
  delete env.NO_COLOR;
  delete env.MLV_DEMO_TIMING;
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO], { cwd: ROOT, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function builtCommands(): Set<string> {
  const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8'));
  return new Set(Object.keys(manifest.commands ?? {}));
}

describe('npm run demo', () => {
  it('runs the whole story, verifies every restore and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo();
    const transcript = `${stdout}\n${stderr}`;
    expect(code, transcript).toBe(0);

    // real, seeded training: the same accuracies on every run
    expect(stdout).toContain('trained logistic-regression on 63 rows; held-out accuracy 26/27 = 96.3%');
    expect(stdout).toContain('trained random-forest on 105 rows; held-out accuracy 43/45 = 95.6%');

    // the commands are shown like a terminal session
    for (const cmd of ['$ git init', '$ mlv init', '$ mlv add data/customers.csv models/model.json', '$ mlv commit', '$ git tag v1', '$ git tag v2', '$ git checkout v1', '$ mlv checkout']) {
      expect(stdout).toContain(cmd);
    }

    // the verifications
    for (const v of ['v1', 'v2']) {
      expect(stdout).toMatch(new RegExp(`✓ data/customers\\.csv is byte-identical to ${v} \\(sha256 [0-9a-f]{12}…\\)`));
      expect(stdout).toMatch(new RegExp(`✓ models/model\\.json is byte-identical to ${v} \\(sha256 [0-9a-f]{12}…\\)`));
      expect(stdout).toContain(`✓ mlv status --json (at ${v}): 2 tracked, all unchanged and in the cache`);
    }
    expect(stdout).toContain('✓ the restored logistic-regression model scores 96.3%, as recorded at v1');
    expect(stdout).toContain('✓ the restored random-forest model scores 95.6%, as recorded at v2');
    expect(stdout).toContain('✓ Git holds the pointers, not the data or the model');
    expect(stdout).toContain('✓ mlv status reports data/customers.csv and models/model.json as modified');

    const commands = builtCommands();
    if (['remote:add', 'push', 'pull'].every((c) => commands.has(c))) {
      expect(stdout).toContain('$ mlv push');
      expect(stdout).toContain('$ mlv pull');
      expect(stdout).toContain('✓ data/customers.csv is byte-identical to v2 in the original repo');
      expect(stdout).toContain('✓ models/model.json is byte-identical to v2 in the original repo');
      expect(stdout).toContain('✓ mlv status --json (in the clone): 2 tracked, all unchanged and in the cache');
    }

    if (commands.has('install')) {
      expect(stdout).toContain('$ mlv install');
      expect(stdout).toContain('$ git checkout v1\nHEAD is now at');
      expect(stdout).toContain('✓ mlv status --json (at v1, after a plain git checkout): 2 tracked, all unchanged and in the cache');
      expect(stdout).toContain('✓ mlv status --json (at main, after a plain git switch): 2 tracked, all unchanged and in the cache');
    }
    if (commands.has('diff')) {
      expect(stdout).toContain('$ mlv diff v1 v2');
      expect(stdout).toContain('✓ mlv diff v1 v2 reports data/customers.csv and models/model.json as modified');
      expect(stdout).toContain('✓ git diff on a pointer prints the readable summary, not YAML');
    }

    expect(stdout).not.toContain('✗');
    expect(stdout).toMatch(/✓ DEMO PASSED — \d+ checks passed, 0 failed/);
    expect(stdout).not.toMatch(/\x1b\[/); // no colour codes when piped

    // the temp folder is cleaned up after a successful run
    const tmp = /\(temp folder (\S+?);/.exec(stdout)?.[1];
    expect(tmp).toBeTruthy();
    expect(existsSync(tmp!)).toBe(false);
  });
});
