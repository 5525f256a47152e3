/**
 * One writer at a time (DESIGN §6): commands that change `.mlv/` or the workspace hold `.mlv/tmp/lock`.
 * A second process waits up to `core.lock_timeout` seconds, then fails naming the holder. A lock left
 * by a dead process on this host is taken over.
 */
import { hostname } from 'node:os';
import { mkdirSync, openSync, closeSync, writeSync, readFileSync, unlinkSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { MlvError } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface RepoLock {
  release(): void;
}

function readHolder(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(tmpDir: string, command: string, timeoutSeconds: number): Promise<RepoLock> {
  mkdirSync(tmpDir, { recursive: true });
  const file = join(tmpDir, 'lock');
  const me: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delay = 20;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const holder = readHolder(file);
        if (holder?.pid === me.pid && holder.host === me.host) unlinkSync(file);
        process.removeListener('exit', release);
      };
      process.on('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder === undefined) {
      // Half-written lock from a process killed between create and write, or being released right now.
      await sleep(delay);
      const again = readHolder(file);
      if (again === undefined) takeOver(file);
      continue;
    }
    if (holder.host === me.host && !processAlive(holder.pid)) {
      takeOver(file);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new MlvError(
        'REPO_LOCKED',
        `another mlv process holds the repo lock ${file}: pid ${holder.pid} on ${holder.host}, running \`${holder.command}\` since ${holder.started}`,
        {
          hint: 'wait for it to finish and run the command again; if that process is gone, delete the lock file',
          details: { holder },
        },
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}

/** Removes a stale lock atomically (rename first, so two processes cannot both take it over). */
function takeOver(file: string): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
    unlinkSync(aside);
  } catch {
    // Someone else took it over first; the next loop iteration will see their lock.
  }
}

/** Runs `fn` holding the repo lock. */
export async function withLock<T>(tmpDir: string, command: string, timeoutSeconds: number, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(tmpDir, command, timeoutSeconds);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
