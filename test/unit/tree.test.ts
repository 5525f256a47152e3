import { describe, expect, it } from 'vitest';
import { compareNames, nameProblem, parseTree, serializeTree, TREE_HEADER, type TreeEntry } from '../../src/core/objects/tree.js';

const H1 = '1'.repeat(32);
const H2 = '2'.repeat(32);

const f = (name: string, mode: 644 | 755 = 644, size = 3): TreeEntry => ({ type: 'f', name, hex: H1, size, mode });
const d = (name: string, size = 10, files = 2): TreeEntry => ({ type: 'd', name, hex: H2, size, files });

function byteOrder(names: string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

describe('tree serialisation', () => {
  it('writes the canonical format exactly', () => {
    const bytes = serializeTree([d('sub', 7, 1), f('b.bin', 755, 5), f('a.txt')]);
    expect(bytes.toString('utf8')).toBe(
      `${TREE_HEADER}\nf\t${H1}\t3\t644\ta.txt\nf\t${H1}\t5\t755\tb.bin\nd\t${H2}\t7\t1\tsub\n`,
    );
  });

  it('an empty folder is just the header', () => {
    expect(serializeTree([]).toString('utf8')).toBe(`${TREE_HEADER}\n`);
    expect(parseTree(serializeTree([]), 't', 32)).toEqual([]);
  });

  it('round-trips entries of both kinds (sorted by name bytes)', () => {
    const entries = [f('z', 755, 0), d('dir', 123456789012, 40000), f('émoji-😀.csv', 644, 99), f('with space', 644, 1)];
    const parsed = parseTree(serializeTree(entries), 'xxh128:t', 32);
    const names = byteOrder(entries.map((e) => e.name));
    expect(parsed.map((e) => e.name)).toEqual(names);
    for (const e of entries) expect(parsed.find((p) => p.name === e.name)).toEqual(e);
  });

  it('sorts names as UTF-8 bytes: ASCII, Latin, astral characters after U+E000–U+FFFF', () => {
    // UTF-16 code-unit order would put the astral (surrogate pair) names before U+E000..U+FFFF.
    const names = ['b', 'B', 'a', '_', 'é', 'ä', '\uE000x', '\uFFFD', '\uFF21', '😀', '𝔸', '\u{10FFFF}', 'aa', 'a b', 'Z', '中文'];
    const parsed = parseTree(serializeTree(names.map((n) => f(n))), 't', 32).map((e) => e.name);
    expect(parsed).toEqual(byteOrder(names));
    expect(parsed.indexOf('\uFFFD')).toBeLessThan(parsed.indexOf('😀'));
    expect(parsed.indexOf('\uE000x')).toBeLessThan(parsed.indexOf('𝔸'));
  });

  it('compareNames agrees with byte comparison on every pair', () => {
    const names = ['', 'a', 'ab', 'b', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1F600}', '\u{10FFFF}', 'a\u{1F600}', 'a\uffff'];
    for (const a of names) {
      for (const b of names) {
        const want = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(Math.sign(compareNames(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(want);
      }
    }
  });

  it('refuses duplicate names', () => {
    expect(() => serializeTree([f('x'), d('x')])).toThrow(/duplicate/);
  });

  it('the same entries in any order give the same bytes', () => {
    const a = [f('1'), f('2'), d('3'), f('é')];
    expect(serializeTree(a).equals(serializeTree([...a].reverse()))).toBe(true);
  });
});

describe('tree parsing rejects bad input', () => {
  const ok = `f\t${H1}\t3\t644\tname`;
  const bad: [string, string, RegExp][] = [
    ['a missing header', `${ok}\n`, /missing 'mlv-tree 1' header/],
    ['a wrong header version', `mlv-tree 2\n${ok}\n`, /header/],
    ['no final newline', `${TREE_HEADER}\n${ok}`, /newline/],
    ['too few fields', `${TREE_HEADER}\nf\t${H1}\t3\tname\n`, /line 2 does not have 5/],
    ['too many fields', `${TREE_HEADER}\nf\t${H1}\t3\t644\tna\tme\n`, /5 tab-separated/],
    ['a short hash', `${TREE_HEADER}\nf\t${H1.slice(1)}\t3\t644\tname\n`, /malformed hash/],
    ['an uppercase hash', `${TREE_HEADER}\nf\t${'A'.repeat(32)}\t3\t644\tname\n`, /malformed hash/],
    ['a negative size', `${TREE_HEADER}\nf\t${H1}\t-3\t644\tname\n`, /bad size/],
    ['a fractional size', `${TREE_HEADER}\nf\t${H1}\t3.5\t644\tname\n`, /bad size/],
    ['an empty size', `${TREE_HEADER}\nf\t${H1}\t\t644\tname\n`, /bad size/],
    ['a bad mode', `${TREE_HEADER}\nf\t${H1}\t3\t777\tname\n`, /bad mode '777'/],
    ['a bad file count', `${TREE_HEADER}\nd\t${H1}\t3\tx\tname\n`, /bad file count/],
    ['an unknown type', `${TREE_HEADER}\nl\t${H1}\t3\t644\tname\n`, /unknown entry type 'l'/],
    ['an empty name', `${TREE_HEADER}\nf\t${H1}\t3\t644\t\n`, /bad name/],
    ['a dot-dot name', `${TREE_HEADER}\nf\t${H1}\t3\t644\t..\n`, /bad name/],
    ['a slash in a name', `${TREE_HEADER}\nf\t${H1}\t3\t644\ta/b\n`, /bad name/],
    ['a blank line', `${TREE_HEADER}\n\n${ok}\n`, /line 2/],
    ['CRLF line ends', `${TREE_HEADER}\r\n${ok}\r\n`, /header/],
  ];
  it.each(bad)('rejects %s', (_what, text, why) => {
    expect(() => parseTree(Buffer.from(text), 'xxh128:abc', 32)).toThrow(why);
  });

  it('names the tree in the message', () => {
    expect(() => parseTree(Buffer.from('junk\n'), 'xxh128:feed', 32)).toThrow(/tree xxh128:feed/);
  });

  it('uses the expected hash length of the algorithm', () => {
    const line = `${TREE_HEADER}\nf\t${'a'.repeat(64)}\t3\t644\tn\n`;
    expect(parseTree(Buffer.from(line), 't', 64)).toHaveLength(1);
    expect(() => parseTree(Buffer.from(line), 't', 32)).toThrow(/malformed hash/);
  });
});

describe('nameProblem', () => {
  it.each([
    ['', /empty/],
    ['.', /not a valid name/],
    ['..', /not a valid name/],
    ['a/b', /slash/],
    ['a\0b', /NUL/],
    ['a\tb', /tab/],
    ['a\nb', /newline/],
  ])('rejects %j', (name, why) => {
    expect(nameProblem(name)).toMatch(why);
  });
  it.each(['a', '...', '.hidden', 'with space', 'ünï cödé', '😀', '-', 'a\\b'])('accepts %j', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });
});
