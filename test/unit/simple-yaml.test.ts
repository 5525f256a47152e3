import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseSimpleYaml } from '../../src/core/objects/simple-yaml.js';
import { serializePointer } from '../../src/core/objects/pointer.js';
import { DEFAULT_CONFIG_TEXT } from '../../src/core/workspace/config.js';

/** What the yaml package makes of `text` (undefined when it reports errors). */
function viaYaml(text: string): unknown {
  const doc = parseDocument(text);
  return doc.errors.length > 0 ? undefined : doc.toJS();
}

/** Values next to the ones mlv writes, many of which YAML reads as something else than they look. */
const VALUES = [
  '1', '0', '007', '-1', '+1', '1.5', '1e3', '0x1F', '0o17', '1_000', '123456789012345', '1234567890123456', '9007199254740993',
  'true', 'false', 'True', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', 'Null', '~', '', '.inf', '-.inf', '.nan', 'NaN', 'Infinity',
  'images', 'big.bin', 'xxh128:6628ea2de6c7e87f8bc7e19772f05d5e', 'sha256:ab', 'a:b', 'a:', 'a: b', 'a #c', 'a#c', '#c', 'a b',
  "'quoted'", '"dq"', '[reflink, copy]', '[ reflink ,copy ]', '[]', '[a, true]', '[a, null]', '[A, b]', '{a: 1}', '- x', '-x', '/abs/path',
  'http://host/x', 'dir/sub', '_x', 'x_', 'ünï', 'a\tb', '*alias', '&anchor x', '!tag x', '|', '>', '@x', '`x', '%x', 'x,y', 'x]',
  'ssh://me@host:2222/srv/mlv', 'a@b', 'a~b', '~a', 'a+b', '+a', 'a=b', '=a', 'a%20b', 'a!b', 'a&b', 'a*b', 'a?b', 'a|b', 'x:', 'x::y',
  's3://bucket/prefix', 'https://h.example/a?b=c', 'a%', 'a=', 'a~', '<<', 'a<<b',
  '2001-12-14', '12:30:45', '1:20', '0.', '.5', 'x.', '..', '.', '...', '---',
];

function corpus(): string[] {
  const texts: string[] = [];
  for (const v of VALUES) {
    texts.push(`key: ${v}\n`, `key: ${v} # comment\n`, `key:  ${v}  \n`, `key: ${v}#c\n`, `a: 1\nblock:\n  key: ${v}\nb: 2\n`, `key:${v}\n`);
  }
  texts.push(
    '', '# only a comment\n', 'a: 1\na: 2\n', 'block:\n  a: 1\n  a: 2\n', 'block:\nnext: 1\n', 'block:\n', 'block: # c\n  a: 1\n',
    'block:\n    a: 1\n', 'block:\n  a: 1\n    b: 2\n', '  a: 1\n', 'a: 1\r\nb: 2\r\n', '\uFEFFa: 1\n', 'a: 1\n---\nb: 2\n', 'a:\n  - x\n',
    'block:\n  inner:\n    x: 1\n', 'Key_1: x\n', 'key-dash: x\n', '_key: x\n', '__proto__: x\n', 'constructor: x\n', 'a: 1\n\n\n# end\n',
    'a: 1\n  # indented comment\nb: 2\n', 'block:\n\n  a: 1\n', 'a: 1 # c # d\n', 'a: x # c\n', '? a\n: 1\n', 'a: !!str 1\n',
    'remotes:\n  origin:\n    url: s3://b/p\n    jobs: 8\n  box:\n    url: ssh://me@h:22/x\ncore:\n  remote: origin\n',
    'a:\n  b:\n    c:\n      d: 1\n  e: 2\nf: 3\n', 'a:\n  b:\n', 'a:\n  b:\n  c: 1\n', 'a:\n   b: 1\n', 'a:\n b: 1\n', 'a:\n  b: 1\n c: 2\n',
    'a:\n  b:\n    c: 1\n   d: 2\n', 'a:\n  b: 1\n    c: 2\n', 'a: 1\n  b: 2\n', 'a:\n  b: 1\na:\n  c: 2\n', 'a:\n  b: 1\n  b: 2\n',
  );
  // mlv's own files: pointers it writes, the default config, and the fixtures.
  texts.push(DEFAULT_CONFIG_TEXT);
  texts.push(serializePointer({ version: 1, kind: 'dir', path: 'images', oid: `xxh128:${'ab'.repeat(16)}`, size: 81920000, files: 20000 }));
  texts.push(serializePointer({ version: 1, kind: 'file', path: 'run.sh', oid: `sha256:${'cd'.repeat(32)}`, size: 0, exec: true }));
  texts.push(serializePointer({ version: 1, kind: 'file', path: 'a b.txt', oid: `xxh128:${'ab'.repeat(16)}`, size: 1, desc: 'a model: v2 # best' }));
  const fixtures = join(__dirname, '../../fixtures');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(mlv|ya?ml)$/.test(e.name)) texts.push(readFileSync(p, 'utf8'));
    }
  };
  walk(fixtures);
  return texts;
}

describe('simple YAML reader', () => {
  it('agrees with the yaml package on every input it answers for', () => {
    let answered = 0;
    for (const text of corpus()) {
      const mine = parseSimpleYaml(text);
      if (mine === undefined) continue;
      answered++;
      expect(mine, JSON.stringify(text)).toEqual(viaYaml(text));
    }
    expect(answered).toBeGreaterThan(100); // (the plain cases are answered, not all handed on)
  });

  it('answers for the files mlv writes in the common case, and hands quoted or unusual ones to yaml', () => {
    expect(parseSimpleYaml(DEFAULT_CONFIG_TEXT)).toEqual({ core: { hash: 'xxh128' }, cache: { link: ['reflink', 'copy'] } });
    // A config after `mlv remote add` (as the yaml writer leaves it) and the local one with a secret.
    const withRemotes = `${DEFAULT_CONFIG_TEXT}remotes:\n  origin:\n    url: s3://bucket/prefix\n    endpoint: http://127.0.0.1:9000\n  box:\n    url: ssh://me@host:2222/srv/mlv\n`;
    expect(parseSimpleYaml(withRemotes)).toEqual(viaYaml(withRemotes));
    expect(parseSimpleYaml(withRemotes)?.remotes).toEqual({ origin: { url: 's3://bucket/prefix', endpoint: 'http://127.0.0.1:9000' }, box: { url: 'ssh://me@host:2222/srv/mlv' } });
    const dir = serializePointer({ version: 1, kind: 'dir', path: 'images', oid: `xxh128:${'ab'.repeat(16)}`, size: 5, files: 2 });
    expect(parseSimpleYaml(dir)).toEqual({ version: 1, kind: 'dir', path: 'images', oid: `xxh128:${'ab'.repeat(16)}`, size: 5, files: 2 });
    for (const text of ['path: "a b"\n', 'path: ünï\n', 'n: null\n', 'n: 1e3\n', 'a: [x, null]\n', 'block:\n', 'a: 1\na: 2\n']) {
      expect(parseSimpleYaml(text), text).toBeUndefined();
    }
  });
});
