/** runGit's failures, whether it starts git itself or takes a run started ahead (git-process.ts), and the two ways git is run. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGit } from '../../src/core/git/git-cli.js';
import { execGit, prefetchGit, spawnGit } from '../../src/core/git/git-process.js';
import { nativeHelper } from '../../src/core/native.js';
import { makeRepo, tempDir } from '../helpers/repo.js';

describe('runGit', () => {
  it('words a failing git command with its stderr, also when the run was started ahead', async () => {
    const dir = tempDir('mlv-nogit-'); // not a Git repository
    await expect(runGit(dir, ['rev-parse', 'HEAD'])).rejects.toMatchObject({ code: 'GIT_FAILED', message: expect.stringMatching(/git rev-parse failed: .*not a git repository/i) });
    prefetchGit(dir, ['rev-parse', 'HEAD']);
    await expect(runGit(dir, ['rev-parse', 'HEAD'])).rejects.toMatchObject({ code: 'GIT_FAILED', message: expect.stringMatching(/not a git repository/i) });
  });

  it('says when the git command cannot be found', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('mlv-empty-path-');
    try {
      await expect(runGit(tempDir(), ['--version'])).rejects.toMatchObject({ code: 'GIT_MISSING', hint: expect.stringContaining('PATH') });
    } finally {
      process.env.PATH = path;
    }
  });
});

/** Both ways of running git give the same results: the native helper's posix_spawn and child_process. */
const runners = [
  ['the native helper (posix_spawn)', spawnGit, !nativeHelper()?.spawnCapture],
  ['child_process', execGit, false],
] as const;
if (!nativeHelper()?.spawnCapture) console.log('git-cli.test: the native helper is not built; its runner is skipped');

describe.each(runners)('git runs by %s', (_name, start, skip) => {
  it.skipIf(skip)('returns stdout, and feeds stdin larger than a pipe holds while reading as much output', async () => {
    const root = await makeRepo({ mlv: false });
    const body = randomBytes(1 << 20).toString('base64'); // ~1.4 MB: both pipes fill many times over
    const written = await start(root, ['hash-object', '-w', '--stdin'], body);
    expect(written.error).toBeNull();
    const oid = written.stdout.trim();
    expect(oid).toMatch(/^[0-9a-f]{40}$/);
    const read = await start(root, ['cat-file', 'blob', oid]);
    expect(read).toEqual({ error: null, stdout: body, stderr: '' });
  });

  it.skipIf(skip)('reports a failing git with its exit code and stderr', async () => {
    const run = await start(tempDir('mlv-nogit-'), ['rev-parse', 'HEAD']);
    expect(run.stderr).toMatch(/not a git repository/i);
    expect(run.error).toMatchObject({ code: 128, message: expect.stringContaining(run.stderr) });
  });

  it.skipIf(skip)('reports ENOENT when git is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('mlv-empty-path-');
    try {
      expect((await start(tempDir(), ['--version'])).error).toMatchObject({ code: 'ENOENT' });
    } finally {
      process.env.PATH = path;
    }
  });
});

describe.skipIf(!nativeHelper()?.spawnCapture)('native spawnCapture', () => {
  const spawnCapture = nativeHelper()?.spawnCapture;

  it('gives the signal that ended a program, and the defaults libuv gives children (SIGPIPE not ignored)', async () => {
    expect(await spawnCapture!('sh', ['-c', 'kill -TERM $$'], tempDir())).toMatchObject({ status: -1, signal: 15 });
    // Node ignores SIGPIPE; a child must not inherit that (nor a blocked signal), or `yes | head` in a
    // script it runs would never see its pipe break.
    // (glibc's posix_spawn leaves its own two internal signals, 32 and 33, ignored: only 1-31 are checked.)
    const status = (await spawnCapture!('grep', ['-E', '^Sig(Ign|Blk)', '/proc/self/status'], tempDir())).stdout.toString();
    const mask = (name: string) => BigInt(`0x${/^(\w+):\s+([0-9a-f]+)$/m.exec(status.split('\n').find((l) => l.startsWith(name))!)![2]}`) & 0x7fffffffn;
    expect([mask('SigIgn'), mask('SigBlk')]).toEqual([0n, 0n]);
  });

  it('does not hang when the program stops reading its input early', async () => {
    const r = await spawnCapture!('head', ['-c', '5'], tempDir(), Buffer.alloc(8 << 20, 0x61));
    expect(r).toMatchObject({ status: 0 });
    expect(r.stdout.toString()).toBe('aaaaa');
  });

  it('rejects a folder that does not exist, and bad arguments with a TypeError', async () => {
    await expect(spawnCapture!('git', ['--version'], join(tempDir(), 'missing'))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'spawn git' });
    expect(() => spawnCapture!('git', 'version' as unknown as string[], tempDir())).toThrow(TypeError);
    expect(() => spawnCapture!('git', [1 as unknown as string], tempDir())).toThrow(/args must be an array of strings/);
    expect(() => spawnCapture!('cat', [], tempDir(), 'text' as unknown as Buffer)).toThrow(/input must be a Buffer/);
  });
});
