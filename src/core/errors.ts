/**
 * Every expected failure in mlv is an MlvError: a stable `code` for scripts and tests, a message that
 * names the path, remote or object involved, and a `hint` saying what to do next. The CLI prints
 * `mlv: <message>` plus the hint and exits with `exitCode` (1, or 2 for bad usage).
 */
export class MlvError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: number;
  /** Extra structured detail (e.g. the list of conflicting paths) for --json output. */
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; cause?: unknown; exitCode?: number; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MlvError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
    this.details = opts.details;
  }
}

/** Bad command-line usage: exit status 2. */
export class UsageError extends MlvError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { hint, exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** A pointer file that cannot be read: names the file and the field. */
export class PointerError extends MlvError {
  readonly file: string;
  readonly field?: string;
  constructor(file: string, field: string | undefined, problem: string) {
    super('POINTER_INVALID', `${file}: ${field ? `field '${field}' ` : ''}${problem}`, {
      hint: 'fix the pointer file by hand, or restore it with `git checkout -- ' + file + '`',
      details: { file, field },
    });
    this.name = 'PointerError';
    this.file = file;
    this.field = field;
  }
}

/** An object whose bytes do not hash to its oid. */
export class CorruptObjectError extends MlvError {
  constructor(oid: string, where: string, actual?: string) {
    super(
      'OBJECT_CORRUPT',
      `object ${oid} in ${where} is corrupt${actual ? ` (its bytes hash to ${actual})` : ''}`,
      { hint: 'run `mlv cache verify --repair` to move bad objects aside, then `mlv add`/`mlv pull` to restore them', details: { oid, where } },
    );
    this.name = 'CorruptObjectError';
  }
}

/** Turns low-level system errors into MlvErrors that a tired person understands. */
export function systemError(err: unknown, action: string, path: string): MlvError {
  if (err instanceof MlvError) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new MlvError('DISK_FULL', `no space left on the device while ${action} ${path}`, {
        hint: 'free some disk space (or point cache.dir at a bigger disk) and run the command again; nothing was lost',
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new MlvError('PERMISSION_DENIED', `permission denied while ${action} ${path}`, {
        hint: 'check the file and folder permissions',
        cause: err,
      });
    case 'ENOENT':
      return new MlvError('NOT_FOUND', `${path} does not exist (while ${action})`, { cause: err });
    case 'EROFS':
      return new MlvError('READ_ONLY_FS', `the file system is read-only while ${action} ${path}`, { cause: err });
    default:
      return new MlvError('IO_ERROR', `${action} ${path} failed: ${e?.message ?? String(err)}`, { cause: err });
  }
}
