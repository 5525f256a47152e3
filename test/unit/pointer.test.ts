import { describe, expect, it } from 'vitest';
import { PointerError } from '../../src/core/errors.js';
import { parsePointer, pointerPathProblem, serializePointer, type Pointer } from '../../src/core/objects/pointer.js';

const OID = 'xxh128:3f2a0123456789abcdef0123456789ab';
const FILE = 'data/train.csv.mlv';

const valid = (over: Record<string, string> = {}) => {
  const fields: Record<string, string> = { version: '1', kind: 'file', path: 'train.csv', oid: OID, size: '1048576', ...over };
  return Object.entries(fields)
    .filter(([, v]) => v !== '<omit>')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n') + '\n';
};

function pointerError(text: string): PointerError {
  try {
    parsePointer(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(PointerError);
    return err as PointerError;
  }
  throw new Error('parsePointer accepted a bad pointer');
}

describe('pointer parsing', () => {
  it('reads a valid file pointer', () => {
    expect(parsePointer(valid({ exec: 'true', desc: 'the training set' }), FILE)).toEqual({
      version: 1, kind: 'file', path: 'train.csv', oid: OID, size: 1048576, exec: true, desc: 'the training set',
    });
  });

  it('reads a valid dir pointer', () => {
    const p = parsePointer(valid({ kind: 'dir', path: 'images', files: '20000' }), 'images.mlv');
    expect(p).toMatchObject({ kind: 'dir', path: 'images', files: 20000 });
  });

  it('accepts nested relative paths and zero sizes', () => {
    expect(parsePointer(valid({ path: 'a/b c/d.bin', size: '0' }), FILE).path).toBe('a/b c/d.bin');
  });

  const cases: [string, string, string | undefined, RegExp][] = [
    ['malformed YAML', 'version: 1\nkind: [file\n', undefined, /not valid YAML/],
    ['a list instead of a mapping', '- 1\n- 2\n', undefined, /mapping/],
    ['an empty file', '', undefined, /mapping/],
    ['a missing version', valid({ version: '<omit>' }), 'version', /missing/],
    ['an unknown version', valid({ version: '2' }), 'version', /is 2; this mlv reads version 1/],
    ['a string version', valid({ version: '"1"' }), 'version', /"1"/],
    ['an unknown kind', valid({ kind: 'link' }), 'kind', /'file' or 'dir'/],
    ['a missing path', valid({ path: '<omit>' }), 'path', /missing/],
    ['a path with ..', valid({ path: '../secret.csv' }), 'path', /escapes the pointer's folder/],
    ['a path with .. inside', valid({ path: 'a/../../b' }), 'path', /escapes/],
    ['an absolute path', valid({ path: '/etc/passwd' }), 'path', /absolute/],
    ['a Windows absolute path', valid({ path: 'C:/x' }), 'path', /absolute/],
    ['a backslash path', valid({ path: '"a\\\\b"' }), 'path', /backslash/],
    ['an empty path', valid({ path: '""' }), 'path', /empty/],
    ['a missing oid', valid({ oid: '<omit>' }), 'oid', /missing/],
    ['a bad oid', valid({ oid: 'xxh128:1234' }), 'oid', /32 lowercase hex/],
    ['an unknown algorithm', valid({ oid: 'md5:0123456789abcdef0123456789abcdef' }), 'oid', /unknown hash algorithm 'md5'/],
    ['a negative size', valid({ size: '-1' }), 'size', /non-negative integer, not -1/],
    ['a fractional size', valid({ size: '1.5' }), 'size', /non-negative integer, not 1.5/],
    ['a string size', valid({ size: 'big' }), 'size', /non-negative integer/],
    ['a missing size', valid({ size: '<omit>' }), 'size', /non-negative integer/],
    ['a dir without files', valid({ kind: 'dir' }), 'files', /non-negative integer for a dir/],
    ['a dir with negative files', valid({ kind: 'dir', files: '-2' }), 'files', /non-negative/],
    ['a non-boolean exec', valid({ exec: 'yes please' }), 'exec', /true or false/],
  ];
  it.each(cases)('rejects %s, naming the file and the field', (_what, text, field, why) => {
    const err = pointerError(text);
    expect(err.code).toBe('POINTER_INVALID');
    expect(err.file).toBe(FILE);
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${FILE}: `)).toBe(true);
    if (field) expect(err.message).toContain(`field '${field}'`);
    expect(err.message).toMatch(why);
    expect(err.hint).toContain(FILE);
  });
});

describe('pointerPathProblem', () => {
  it.each(['a', 'a/b', 'a b/ü.csv', '..a', 'a..'])('accepts %j', (p) => expect(pointerPathProblem(p)).toBeUndefined());
  it.each(['', '/a', '..', 'a/..', './a', 'a//b', 'a/'])('rejects %j', (p) => expect(pointerPathProblem(p)).toBeDefined());
});

describe('pointer serialisation', () => {
  const p: Pointer = { version: 1, kind: 'file', path: 'train.csv', oid: OID, size: 42 };

  it('writes the comment header and the documented key order', () => {
    const text = serializePointer({ ...p, exec: true, desc: 'x' });
    expect(text.startsWith('# mlv pointer')).toBe(true);
    const keys = text.split('\n').filter((l) => /^[a-z]+:/.test(l)).map((l) => l.split(':')[0]);
    expect(keys).toEqual(['version', 'kind', 'path', 'oid', 'size', 'exec', 'desc']);
    expect(parsePointer(text, FILE)).toEqual({ ...p, exec: true, desc: 'x' });
  });

  it('round-trips a dir pointer and drops file-only keys', () => {
    const dir: Pointer = { version: 1, kind: 'dir', path: 'images', oid: OID, size: 9, files: 3, exec: true };
    const text = serializePointer(dir);
    expect(text).not.toMatch(/exec/);
    expect(parsePointer(text, 'images.mlv')).toEqual({ version: 1, kind: 'dir', path: 'images', oid: OID, size: 9, files: 3 });
  });

  it('quotes awkward paths so they read back the same', () => {
    for (const path of ['#hash.csv', 'yes', '123', 'a: b', "it's", 'null', '- dash', 'ünï 😀']) {
      expect(parsePointer(serializePointer({ ...p, path }), FILE).path).toBe(path);
    }
  });

  it('keeps comments and unknown keys when rewriting', () => {
    const previous = [
      '# my own header comment',
      'version: 1',
      'kind: file   # a trailing comment',
      'path: train.csv',
      `oid: ${OID}`,
      'size: 42',
      'owner: data-team   # who to ask',
      'meta:',
      '  source: s3://bucket/raw',
      '  rows: 1000',
      '# a comment at the end',
      '',
    ].join('\n');
    const NEW = 'xxh128:ffffffffffffffffffffffffffffffff';
    const text = serializePointer({ ...p, oid: NEW, size: 43, exec: true }, previous);
    expect(text).toContain('# my own header comment');
    expect(text).toContain('# a trailing comment');
    expect(text).toContain('# who to ask');
    expect(text).toContain('# a comment at the end');
    expect(text).toContain('owner: data-team');
    expect(text).toContain('source: s3://bucket/raw');
    expect(text).not.toContain(OID);
    const parsed = parsePointer(text, FILE);
    expect(parsed).toMatchObject({ oid: NEW, size: 43, exec: true });
    // mlv's keys stay first, in order; unknown keys follow.
    const keys = text.split('\n').filter((l) => /^[a-z]+:/.test(l)).map((l) => l.split(':')[0]);
    expect(keys).toEqual(['version', 'kind', 'path', 'oid', 'size', 'exec', 'owner', 'meta']);
  });

  it('rewriting with unchanged values gives identical text', () => {
    const first = serializePointer(p);
    expect(serializePointer(p, first)).toBe(first);
    const custom = `${first}extra: kept # note\n`;
    expect(serializePointer(p, custom)).toBe(custom);
  });

  it('removes exec when a file is no longer executable', () => {
    const withExec = serializePointer({ ...p, exec: true });
    expect(serializePointer(p, withExec)).not.toMatch(/exec/);
  });
});
