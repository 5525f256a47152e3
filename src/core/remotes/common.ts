/**
 * What every remote adapter shares: the error vocabulary (so the CLI and the transfer engine can tell a
 * dead host from a missing object without knowing the kind), typed access to a remote's settings, and a
 * small bounded-concurrency helper. No SDK is imported here — this file is loaded for every kind.
 */
import { availableParallelism, homedir } from 'node:os';
import { Transform, type Readable } from 'node:stream';
import { join } from 'node:path';
import { MlvError } from '../errors.js';
import type { RemoteStore } from './remote-store.js';

export type RemoteKind = 'local' | 's3' | 'ssh' | 'http';

/** A RemoteStore that also says what it is, so the transfer engine can pick a concurrency. */
export interface KindedRemote extends RemoteStore {
  readonly kind: RemoteKind;
  /** Concurrent transfers that suit this remote (the `jobs` setting, else a per-kind default). */
  readonly defaultJobs: number;
}

/** A remote's settings as merged from config.yaml and config.local.yaml (`url` plus kind-specific keys). */
export type RemoteSettings = Record<string, unknown>;

/** Settings whose values are secrets: they live only in config.local.yaml and are never printed. */
export const SECRET_KEYS: readonly string[] = ['secret_access_key', 'session_token', 'password', 'access_key_id', 'key_passphrase'];

/** Seconds to wait for a host to answer before calling it unreachable (DESIGN §7: at most 15 s). */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * Error codes of remote failures. The first four are remote-wide: retrying or moving on to the next object
 * cannot help, so the transfer engine stops at once and reports them. The others concern one object.
 */
export type RemoteErrorCode =
  | 'REMOTE_UNREACHABLE'
  | 'REMOTE_AUTH'
  | 'REMOTE_NOT_FOUND'
  | 'REMOTE_READ_ONLY'
  | 'REMOTE_DENIED'
  | 'REMOTE_OBJECT_MISSING'
  | 'REMOTE_IO';

const REMOTE_WIDE: ReadonlySet<string> = new Set(['REMOTE_UNREACHABLE', 'REMOTE_AUTH', 'REMOTE_NOT_FOUND', 'REMOTE_READ_ONLY']);

export class RemoteError extends MlvError {
  readonly remote: string;
  readonly key?: string;
  /** A retry may succeed (connection reset, throttling, 5xx). */
  readonly transient: boolean;

  constructor(
    code: RemoteErrorCode,
    remote: string,
    message: string,
    opts: { key?: string; hint?: string; cause?: unknown; transient?: boolean } = {},
  ) {
    super(code, message, { hint: opts.hint, cause: opts.cause, details: { remote, key: opts.key } });
    this.name = 'RemoteError';
    this.remote = remote;
    this.key = opts.key;
    this.transient = opts.transient ?? false;
  }

  /** True when the whole remote is unusable (not just one object), so a transfer should stop. */
  get remoteWide(): boolean {
    return REMOTE_WIDE.has(this.code);
  }
}

/** `remote 'origin' (s3://bucket/data)` — the prefix of every remote message. */
export function describeRemote(name: string, url: string): string {
  return `remote '${name}' (${url})`;
}

/** The subject of a message: the remote and, when there is one, the object key. */
export function subject(name: string, url: string, key?: string): string {
  return key ? `${describeRemote(name, url)}, object ${key}` : describeRemote(name, url);
}

/** The error for a key the remote does not have (one wording for every kind). */
export function objectMissing(name: string, url: string, key: string | undefined, cause?: unknown): RemoteError {
  return new RemoteError('REMOTE_OBJECT_MISSING', name, `${subject(name, url, key)} is missing on the remote`, {
    key,
    hint: 'push it from a machine that has it (`mlv push`)',
    cause,
  });
}

/** `~/x` → `<home>/x` (for paths in remote urls and settings). */
export function expandHome(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** Network failures seen mid-transfer that a retry may cure. */
const TRANSIENT_NET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
/** Failures to reach the host at all. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EHOSTDOWN']);

export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTransientNetworkError(err: unknown): boolean {
  const code = errnoCode(err) ?? errnoCode((err as { cause?: unknown })?.cause);
  return code !== undefined && TRANSIENT_NET_CODES.has(code);
}

export function isUnreachableError(err: unknown): boolean {
  const code = errnoCode(err) ?? errnoCode((err as { cause?: unknown })?.cause);
  return code !== undefined && UNREACHABLE_CODES.has(code);
}

/** The standard error for a host that does not answer (refused, no route, DNS, connect timeout). */
export function unreachable(name: string, url: string, why: string, cause?: unknown): RemoteError {
  return new RemoteError('REMOTE_UNREACHABLE', name, `${describeRemote(name, url)} is unreachable: ${why}`, {
    hint: 'check the host name and port, your network or VPN, and that the server is running; the `timeout` setting (seconds) controls how long mlv waits',
    cause,
  });
}

/** A short, secret-free description of a low-level error. */
export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reads a setting as a string; numbers are accepted and converted (YAML may type `port: 22`). */
export function stringSetting(name: string, settings: RemoteSettings, key: string): string | undefined {
  const v = settings[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badSetting(name, key, 'must be a string');
}

export function numberSetting(name: string, settings: RemoteSettings, key: string): number | undefined {
  const v = settings[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw badSetting(name, key, `must be a positive number, not ${JSON.stringify(v)}`);
  return n;
}

export function booleanSetting(name: string, settings: RemoteSettings, key: string): boolean | undefined {
  const v = settings[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  throw badSetting(name, key, `must be true or false, not ${JSON.stringify(v)}`);
}

/** `headers:` as a mapping of header name to value. */
export function headersSetting(name: string, settings: RemoteSettings, key: string): Record<string, string> {
  const v = settings[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badSetting(name, key, 'must be a mapping of header names to values');
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) out[k] = String(value);
  return out;
}

export function badSetting(name: string, key: string, why: string): MlvError {
  return new MlvError('CONFIG_INVALID', `remote '${name}': setting '${key}' ${why}`, {
    hint: `fix it with \`mlv remote modify ${name} ${key} <value>\``,
  });
}

/** Timeout in milliseconds from the `timeout` setting (seconds). */
export function timeoutMs(name: string, settings: RemoteSettings): number {
  return 1000 * (numberSetting(name, settings, 'timeout') ?? DEFAULT_TIMEOUT_SECONDS);
}

/** Concurrency for a kind: network stores hide latency with many requests, local disks want few. */
export function defaultJobsFor(kind: RemoteKind, name: string, settings: RemoteSettings): number {
  const configured = numberSetting(name, settings, 'jobs');
  if (configured !== undefined) return Math.max(1, Math.floor(configured));
  const cores = availableParallelism();
  return kind === 'local' ? Math.min(8, Math.max(2, cores)) : 4 * cores;
}

/**
 * Runs `fn` over `items` with at most `limit` running at once. Rejects with the first error after the
 * running calls settle (callers that want to keep going catch inside `fn`).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
  return results;
}

/** Groups object keys by their folder (`objects/<algo>/<xx>/`) so a listing per folder can answer many. */
export function groupByFolder(keys: Iterable<string>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const slash = key.lastIndexOf('/');
    const folder = key.slice(0, slash + 1);
    let list = groups.get(folder);
    if (!list) groups.set(folder, (list = []));
    list.push(key);
  }
  return groups;
}

/**
 * The existence check every adapter shares (DESIGN §7): few keys — one stat/HEAD each; many — one
 * listing per `objects/<algo>/<xx>/` folder. `listFolder` returns the keys present in a folder (full
 * keys), or undefined when the folder does not exist; without it (a store that cannot list) every key is
 * stat-ed.
 */
export async function hasManyByStatOrListing(
  keys: string[],
  opts: {
    statEachLimit: number;
    statJobs: number;
    listJobs: number;
    stat: (key: string) => Promise<unknown>;
    listFolder?: (folder: string) => Promise<Set<string> | undefined>;
  },
): Promise<Set<string>> {
  const wanted = [...new Set(keys)];
  const present = new Set<string>();
  const listFolder = opts.listFolder;
  if (wanted.length <= opts.statEachLimit || !listFolder) {
    await mapLimit(wanted, opts.statJobs, async (key) => {
      if (await opts.stat(key)) present.add(key);
    });
    return present;
  }
  await mapLimit([...groupByFolder(wanted)], opts.listJobs, async ([folder, inFolder]) => {
    const names = await listFolder(folder);
    if (names) for (const key of inFolder) if (names.has(key)) present.add(key);
  });
  return present;
}

/**
 * A small object's response body, read into memory — or null (the stream destroyed) once it proves
 * bigger than `maxBytes`: by its declared length before any byte is read, or while reading. The
 * stream's errors propagate.
 */
export async function readBodyUpTo(body: Readable, declaredLength: number | undefined, maxBytes: number): Promise<Buffer | null> {
  if (declaredLength !== undefined && declaredLength > maxBytes) {
    body.destroy();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Throws the signal's abort reason as an MlvError when it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

export function abortedError(): MlvError {
  return new MlvError('ABORTED', 'the transfer was interrupted', { hint: 'run the command again; it resumes where it stopped' });
}

/** Random suffix for temp names, so concurrent writers of the same object never share a temp file. */
export function tempSuffix(): string {
  return `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}

/** A pass-through stream that reports each chunk's size (for progress while piping transfers). */
export function byteCounter(onBytes: ((n: number) => void) | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
}
