import { describe, expect, it } from 'vitest';
import { algoOf, formatOid, hexOf, isHex, objectKey, oidProblem, parseOid } from '../../src/core/objects/oid.js';

const X = '0123456789abcdef0123456789abcdef';
const S = 'a'.repeat(64);

describe('oid', () => {
  it('formats and parses xxh128 and sha256 oids', () => {
    expect(formatOid('xxh128', X)).toBe(`xxh128:${X}`);
    expect(parseOid(`xxh128:${X}`)).toEqual({ algo: 'xxh128', hex: X });
    expect(parseOid(`sha256:${S}`)).toEqual({ algo: 'sha256', hex: S });
    expect(algoOf(`sha256:${S}`)).toBe('sha256');
    expect(hexOf(`xxh128:${X}`)).toBe(X);
  });

  it('maps an oid to objects/<algo>/<xx>/<rest>', () => {
    expect(objectKey(`xxh128:${X}`)).toBe(`objects/xxh128/01/${X.slice(2)}`);
    expect(objectKey(`sha256:${S}`)).toBe(`objects/sha256/aa/${S.slice(2)}`);
  });

  it.each([
    ['no colon', X, /not an oid/],
    ['unknown algorithm', `md5:${X}`, /unknown hash algorithm 'md5'/],
    ['uppercase hex', `xxh128:${X.toUpperCase()}`, /32 lowercase hex/],
    ['too short', `xxh128:${X.slice(1)}`, /32 lowercase hex/],
    ['too long', `xxh128:${X}0`, /32 lowercase hex/],
    ['sha256 with 32 digits', `sha256:${X}`, /64 lowercase hex/],
    ['non-hex digit', `xxh128:${X.slice(0, -1)}g`, /lowercase hex/],
    ['empty', '', /not an oid/],
    ['whitespace', `xxh128: ${X.slice(1)}`, /lowercase hex/],
  ])('rejects %s', (_what, text, why) => {
    expect(oidProblem(text)).toMatch(why);
    expect(() => parseOid(text)).toThrow(why);
  });

  it('rejects non-strings', () => {
    expect(oidProblem(42)).toMatch(/must be a string/);
    expect(oidProblem(undefined)).toMatch(/must be a string/);
  });

  it('accepts well-formed oids', () => {
    expect(oidProblem(`xxh128:${X}`)).toBeUndefined();
    expect(oidProblem(`sha256:${S}`)).toBeUndefined();
  });

  it('isHex checks length and lowercase digits', () => {
    expect(isHex('00ff', 4)).toBe(true);
    expect(isHex('00FF', 4)).toBe(false);
    expect(isHex('00f', 4)).toBe(false);
    expect(isHex('00f/', 4)).toBe(false);
  });
});
