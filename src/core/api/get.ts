/**
 * `mlv get <path> [--rev <rev>] [-o <out>] [--force]`: write an artifact — or one file or sub-folder of a
 * tracked folder — as it was at a revision (default HEAD), without touching the workspace, the pointers
 * or HEAD. Objects come from the cache, or else the default remote (verified, and kept in the cache).
 *
 * The output is built under a temp name beside it and renamed into place, every copy verified against
 * its oid, so a failure never leaves half an output. An existing output is replaced only with `force`,
 * and never when it is the repo root, the current folder or one of their parents.
 */
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { CorruptObjectError, MlvError, systemError } from '../errors.js';
import { ProgressTicker, silentReporter, type Reporter } from '../events.js';
import { copyAndHash } from '../objects/store.js';
import type { TreeEntry } from '../objects/tree.js';
import { ObjectSource } from '../remotes/object-source.js';
import { toRepoPath, type Artifact } from '../workspace/artifacts.js';
import { artifactsAtRev } from '../workspace/history-selection.js';
import type { Repo } from '../workspace/repo.js';

export interface GetOptions {
  /** Revision (default HEAD). */
  rev?: string;
  /** Output path (default: the basename of `path` in `cwd`). */
  out?: string;
  force?: boolean;
  cwd?: string;
  remote?: string;
  jobs?: number;
  reporter?: Reporter;
  /** Stops the download when aborted (see TransferOptions.signal). */
  signal?: AbortSignal;
}

export interface GetResult {
  /** Absolute output path. */
  out: string;
  type: 'file' | 'dir';
  rev: string;
  commit: string;
  /** The tracked artifact the output came from. */
  artifact: string;
  files: number;
  bytes: number;
  /** Objects downloaded from the remote. */
  fetched: number;
}

interface OutFile {
  /** Relative to the output folder ('' for a single-file output). */
  rel: string;
  oid: string;
  size: number;
  exec: boolean;
}

export async function get(repo: Repo, path: string, opts: GetOptions = {}): Promise<GetResult> {
  const cwd = opts.cwd ?? process.cwd();
  const rev = opts.rev ?? 'HEAD';
  const reporter = opts.reporter ?? silentReporter;
  const { artifacts, commit } = await artifactsAtRev(repo, rev);
  const rel = toRepoPath(repo, path, cwd);
  const exact = artifacts.find((a) => a.dataRel === rel || a.pointerRel === rel);
  const containing = exact ?? artifacts.find((a) => a.pointer.kind === 'dir' && rel.startsWith(a.dataRel + '/'));
  if (!containing) {
    throw new MlvError('NOT_TRACKED', `'${path}' is not tracked by mlv at '${rev}'`, {
      hint: `see what is tracked there with \`mlv ls --rev ${rev}\``,
    });
  }
  const wantedRel = exact ? exact.dataRel : rel;
  const out = resolve(cwd, opts.out ?? basename(wantedRel));
  checkOutput(repo, out, cwd, opts.force === true);

  const source = new ObjectSource(repo, { remote: opts.remote, jobs: opts.jobs, reporter, signal: opts.signal });
  try {
    const { type, files, dirs } = await collect(repo, source, containing, exact ? undefined : rel.slice(containing.dataRel.length + 1), rev);
    const sizes = new Map(files.map((f) => [f.oid, f.size]));
    const fetchedFiles = await source.ensure(sizes.keys(), (o) => sizes.get(o));
    const bytes = await write(repo, out, type, files, dirs, opts.force === true, reporter);
    return { out, type, rev, commit: commit!, artifact: containing.dataRel, files: files.length, bytes, fetched: fetchedFiles };
  } finally {
    await source.close();
  }
}

/** Refuses an output that exists (unless `force`), or one whose replacement would delete the repo or cwd. */
function checkOutput(repo: Repo, out: string, cwd: string, force: boolean): void {
  let exists = false;
  try {
    lstatSync(out);
    exists = true;
  } catch {
    // free
  }
  if (!exists) return;
  if (!force) {
    throw new MlvError('OUTPUT_EXISTS', `${out} already exists`, { hint: 'choose another output with -o <path>, or pass --force to replace it', exitCode: 1 });
  }
  const within = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
  if (within(repo.root, out) || within(resolve(cwd), out)) {
    throw new MlvError('OUTPUT_UNSAFE', `refusing to replace ${out}: it holds the repository or the current folder`, { hint: 'choose another output with -o <path>' });
  }
}

/** The files (and folders) to write, reading folder listings from the cache or the remote. */
async function collect(
  repo: Repo,
  source: ObjectSource,
  a: Artifact,
  subpath: string | undefined,
  rev: string,
): Promise<{ type: 'file' | 'dir'; files: OutFile[]; dirs: string[] }> {
  const p = a.pointer;
  if (p.kind === 'file') return { type: 'file', files: [{ rel: '', oid: p.oid, size: p.size, exec: p.exec === true }], dirs: [] };
  let treeOid = p.oid;
  if (subpath !== undefined) {
    const parts = subpath.split('/');
    let entry: TreeEntry | undefined;
    for (const [i, name] of parts.entries()) {
      entry = (await source.readTree(treeOid)).find((e) => e.name === name);
      if (!entry || (entry.type === 'f' && i < parts.length - 1)) {
        throw new MlvError('NOT_FOUND', `'${a.dataRel}/${subpath}' is not in the folder ${a.dataRel} at '${rev}'`, {
          hint: `list the folder with \`mlv ls ${a.dataRel} --rev ${rev}\``,
        });
      }
      if (entry.type === 'd') treeOid = repo.store.oid(entry.hex);
    }
    if (entry!.type === 'f') {
      return { type: 'file', files: [{ rel: '', oid: repo.store.oid(entry!.hex), size: entry!.size, exec: entry!.mode === 755 }], dirs: [] };
    }
  }
  const files: OutFile[] = [];
  const dirs: string[] = [];
  const stack: [string, string][] = [[treeOid, '']];
  while (stack.length > 0) {
    const [oid, prefix] = stack.pop()!;
    for (const e of await source.readTree(oid)) {
      const r = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.type === 'f') files.push({ rel: r, oid: repo.store.oid(e.hex), size: e.size, exec: e.mode === 755 });
      else {
        dirs.push(r);
        stack.push([repo.store.oid(e.hex), r]);
      }
    }
  }
  return { type: 'dir', files, dirs };
}

async function write(repo: Repo, out: string, type: 'file' | 'dir', files: OutFile[], dirs: string[], force: boolean, reporter: Reporter): Promise<number> {
  const tmp = join(dirname(out), `.${basename(out)}.mlv-get-${process.pid}`);
  const ticker = new ProgressTicker(reporter, 'writing', files.length, files.reduce((n, f) => n + f.size, 0));
  let bytes = 0;
  try {
    mkdirSync(dirname(out), { recursive: true });
    rmSync(tmp, { recursive: true, force: true }); // left by a killed run with the same pid
    if (type === 'dir') {
      mkdirSync(tmp);
      for (const d of dirs.sort()) mkdirSync(join(tmp, d), { recursive: true });
    }
    for (const f of files) {
      const dest = type === 'dir' ? join(tmp, f.rel) : tmp;
      const { hex, size } = await copyAndHash(repo.store.algo, repo.store.path(f.oid), dest, (n) => ticker.addBytes(n), { mode: 0o644, fsync: false });
      if (repo.store.oid(hex) !== f.oid) throw new CorruptObjectError(f.oid, 'the cache', repo.store.oid(hex));
      if (f.exec) chmodSync(dest, 0o755);
      bytes += size;
      ticker.tick(1);
    }
    if (force) rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    return bytes;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw systemError(err, 'writing', out);
  } finally {
    ticker.end();
  }
}
