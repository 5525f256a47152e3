/**
 * `mlv push [targets] [-r remote] [-j n]`: upload the objects of tracked artifacts to a remote. Objects
 * the remote already has are skipped; file objects go up before the trees that name them, so a tree on
 * the remote implies its whole content is there.
 */
import { MlvError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import { openRepoRemote } from '../remotes/open-remote.js';
import { uploadObjects, type TransferSummary } from '../remotes/transfer.js';
import type { Repo } from '../workspace/repo.js';
import { neededObjects, resolveSelections, type Selection } from '../workspace/selection.js';

export interface TransferOptions {
  remote?: string;
  jobs?: number;
  reporter?: Reporter;
  cwd?: string;
  /** Selections to act on instead of resolving `targets` (used by history-wide operations). */
  selections?: Selection[];
  /**
   * Stops the transfer when aborted (the CLI aborts on Ctrl-C): no new object starts, those under way
   * are cut short and their temp files removed (an S3 multipart upload is aborted), and the call throws
   * ABORTED. Objects already complete stay; running the command again carries on from there.
   */
  signal?: AbortSignal;
}

export interface PushResult extends TransferSummary {
  remote: string;
}

export async function push(repo: Repo, targets: string[] = [], opts: TransferOptions = {}): Promise<PushResult> {
  const selections = opts.selections ?? (await resolveSelections(repo, targets, opts.cwd));
  // Pushing part of a folder would leave its trees without their content: push whole artifacts.
  const whole = selections.map((s) => ({ artifact: s.artifact }));
  const needed = await neededObjects(repo, whole);
  if (needed.unlisted.length > 0) {
    const list = needed.unlisted.map((s) => `  ${s.artifact.dataRel} (tree ${s.artifact.pointer.oid})`).join('\n');
    throw new MlvError('OBJECT_MISSING', `the cache lacks the folder listing (tree) of:\n${list}`, {
      hint: 'fetch them first with `mlv fetch`, or `mlv add` the folders again from a complete copy',
    });
  }
  const remote = await openRepoRemote(repo, opts.remote);
  try {
    // Objects missing locally fail in the engine (OBJECT_MISSING), which then holds back every tree above them.
    const summary = await uploadObjects(
      repo.store,
      remote,
      { files: needed.files.keys(), trees: needed.trees },
      { jobs: opts.jobs, reporter: opts.reporter ?? silentReporter, signal: opts.signal },
    );
    return { ...summary, remote: remote.name };
  } finally {
    await remote.close();
  }
}
