/**
 * Ctrl-C during a transfer: the transfers under way stop and remove their temp files (in the cache, and
 * on the remote), the command exits 130 saying so, nothing half-written is left as an object, and
 * running the command again completes. The WebDAV test server holds one request half-way, so the
 * interrupt always lands mid-transfer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { show, spawnMlv, type CliResult } from '../helpers/cli.js';
import { bytes, git, listFiles, makeRepo, read, readText, tempDir, writeFiles } from '../helpers/repo.js';
import { startWebDavServer, type WebDavTestServer } from '../helpers/webdav-server.js';

const servers: WebDavTestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** Runs mlv without blocking this process (the test's servers answer from it). */
const mlv = (cwd: string, args: string[]): Promise<CliResult> => spawnMlv(cwd, args).done;

async function ok(run: Promise<CliResult>): Promise<CliResult> {
  const r = await run;
  expect(r.code, show(r)).toBe(0);
  return r;
}

/** A repo with a 6 MB model and a small file, added and committed; returns it and the model's object key. */
async function modelRepo(): Promise<{ repo: string; hex: string }> {
  const repo = await makeRepo();
  writeFiles(repo, { 'model.bin': bytes(6_000_000, 5), 'notes.txt': 'small\n' });
  await ok(mlv(repo, ['add', 'model.bin', 'notes.txt']));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'model');
  const oid = /oid: (\S+)/.exec(readText(repo, 'model.bin.mlv'))![1]!;
  return { repo, hex: oid.slice(oid.indexOf(':') + 1) };
}

/** Starts `mlv args`, waits until the server holds a request, then presses Ctrl-C (SIGINT) or sends `signal`. */
async function interruptMidTransfer(cwd: string, args: string[], server: WebDavTestServer, signal: NodeJS.Signals = 'SIGINT'): Promise<CliResult> {
  const run = spawnMlv(cwd, args);
  const held = await Promise.race([server.stalled, run.done.then((r) => `finished first: ${show(r)}`)]);
  expect(held).toMatch(/^\//);
  await new Promise((r) => setTimeout(r, 300)); // let the client write what it got to its temp file
  run.child.kill(signal);
  return run.done;
}

describe('Ctrl-C during a transfer', () => {
  it('pull: stops, leaves no temp file or partial object in the cache, exits 130; pull again completes', async () => {
    const { repo, hex } = await modelRepo();
    const store = tempDir('mlv-remote-');
    await ok(mlv(repo, ['remote', 'add', 'shared', store, '--local']));
    await ok(mlv(repo, ['push', '-r', 'shared']));
    const server = await startWebDavServer({ root: store, stall: { method: 'GET', path: new RegExp(hex.slice(2)) } });
    servers.push(server);
    const clone = tempDir('mlv-clone-');
    git(clone, 'clone', '-q', repo, '.');
    await ok(mlv(clone, ['remote', 'add', 'web', server.url, '--default', '--local']));

    const r = await interruptMidTransfer(clone, ['pull'], server);
    expect(r.code, show(r)).toBe(130);
    expect(r.stderr).toContain('interrupted');
    expect(r.stderr).toContain('run the command again');
    const cache = join(clone, '.mlv', 'cache');
    expect(listFiles(cache).filter((f) => f.startsWith('tmp/'))).toEqual([]);
    expect(existsSync(join(cache, 'objects', 'xxh128', hex.slice(0, 2), hex.slice(2)))).toBe(false);
    expect(existsSync(join(clone, 'model.bin'))).toBe(false);

    await ok(mlv(clone, ['pull'])); // the lock was released; the server no longer holds requests
    expect(read(clone, 'model.bin').equals(read(repo, 'model.bin'))).toBe(true);
    expect(readText(clone, 'notes.txt')).toBe('small\n');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('push: %s stops it, removes the partial upload from the server, exits %i; push again completes', async (signal, code) => {
    const { repo, hex } = await modelRepo();
    const root = tempDir('mlv-dav-');
    const server = await startWebDavServer({ root, stall: { method: 'PUT', path: /^\/tmp\// } });
    servers.push(server);
    await ok(mlv(repo, ['remote', 'add', 'web', server.url, '--default', '--local']));
    await ok(mlv(repo, ['remote', 'modify', 'web', 'webdav', 'true', '--local']));
    await ok(mlv(repo, ['remote', 'modify', 'web', 'jobs', '1', '--local']));

    const r = await interruptMidTransfer(repo, ['push'], server, signal);
    expect(r.code, show(r)).toBe(code);
    expect(r.stderr).toContain('interrupted');
    expect(listFiles(root).filter((f) => f.startsWith('tmp/'))).toEqual([]);

    await ok(mlv(repo, ['push']));
    expect(existsSync(join(root, 'objects', 'xxh128', hex.slice(0, 2), hex.slice(2)))).toBe(true);
    expect((await ok(mlv(repo, ['remote', 'verify']))).stdout).toContain('all objects are intact');
  });

  it('push: a second Ctrl-C quits at once while the first one is still cleaning up; push again completes', async () => {
    const { repo, hex } = await modelRepo();
    const root = tempDir('mlv-dav-');
    // the upload is held half-way, and the DELETE of its partial file (the first Ctrl-C's cleanup) is never answered
    const server = await startWebDavServer({ root, stall: { method: 'PUT', path: /^\/tmp\// }, hang: { method: 'DELETE', path: /^\/tmp\// } });
    servers.push(server);
    await ok(mlv(repo, ['remote', 'add', 'web', server.url, '--default', '--local']));
    await ok(mlv(repo, ['remote', 'modify', 'web', 'webdav', 'true', '--local']));
    await ok(mlv(repo, ['remote', 'modify', 'web', 'jobs', '1', '--local']));

    const run = spawnMlv(repo, ['push']);
    expect(await Promise.race([server.stalled, run.done.then((r) => `finished first: ${show(r)}`)])).toMatch(/^\/tmp\//);
    run.child.kill('SIGINT');
    expect(await Promise.race([server.hung, run.done.then((r) => `finished first: ${show(r)}`)])).toMatch(/^\/tmp\//);
    run.child.kill('SIGINT'); // without it, the command would wait on the DELETE for its request timeout
    const r = await run.done;
    expect(r.code, show(r)).toBe(130);
    expect(r.stderr).toContain('press Ctrl-C again to quit at once');
    expect(r.stderr).not.toContain('run the command again'); // it did not get as far as the summary

    await ok(mlv(repo, ['push'])); // what the quit left is a temp file on the server: no object, no lock
    expect(existsSync(join(root, 'objects', 'xxh128', hex.slice(0, 2), hex.slice(2)))).toBe(true);
    expect((await ok(mlv(repo, ['remote', 'verify']))).stdout).toContain('all objects are intact');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('add: %s removes the part-written copy of a big file from the cache, frees the lock, exits %i; add again completes', async (signal, code) => {
    const repo = await makeRepo();
    execFileSync('truncate', ['-s', '768M', join(repo, 'big.bin')]); // (sparse: made at once, read fast, copied for real)
    const tmp = join(repo, '.mlv', 'cache', 'tmp');
    const run = spawnMlv(repo, ['add', 'big.bin']);
    let finished = false;
    void run.done.then(() => (finished = true));
    const copying = () => {
      try {
        return readdirSync(tmp).length > 0;
      } catch {
        return false;
      }
    };
    while (!copying() && !finished) await new Promise((r) => setTimeout(r, 2));
    run.child.kill(signal);
    const r = await run.done;
    expect(r.code, show(r)).toBe(code);
    expect(r.stderr).toContain('interrupted');
    expect(listFiles(tmp)).toEqual([]);
    expect(existsSync(join(repo, '.mlv', 'tmp', 'lock'))).toBe(false);
    expect(existsSync(join(repo, 'big.bin.mlv'))).toBe(false);

    await ok(mlv(repo, ['add', 'big.bin']));
    expect((await ok(mlv(repo, ['cache', 'verify']))).code).toBe(0);
  });
});

