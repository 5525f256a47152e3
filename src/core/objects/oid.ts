/** Object ids: `<algo>:<lowercase hex>` (DESIGN §3). */
export type HashAlgo = 'xxh128' | 'sha256';

export const HASH_ALGOS: readonly HashAlgo[] = ['xxh128', 'sha256'];

const HEX_LENGTH: Record<HashAlgo, number> = { xxh128: 32, sha256: 64 };

export interface Oid {
  algo: HashAlgo;
  hex: string;
}

export function isHashAlgo(value: unknown): value is HashAlgo {
  return value === 'xxh128' || value === 'sha256';
}

export function hexLength(algo: HashAlgo): number {
  return HEX_LENGTH[algo];
}

export function formatOid(algo: HashAlgo, hex: string): string {
  return `${algo}:${hex}`;
}

/** Returns a reason when `text` is not a well-formed oid, else undefined. */
export function oidProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'must be a string like xxh128:<32 hex digits>';
  const colon = text.indexOf(':');
  if (colon < 0) return `'${text}' is not an oid (expected <algo>:<hex>)`;
  const algo = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (!isHashAlgo(algo)) return `unknown hash algorithm '${algo}' (known: ${HASH_ALGOS.join(', ')})`;
  if (!isHex(hex, HEX_LENGTH[algo])) return `'${text}' is not ${HEX_LENGTH[algo]} lowercase hex digits after '${algo}:'`;
  return undefined;
}

export function parseOid(text: string): Oid {
  const problem = oidProblem(text);
  if (problem) throw new Error(problem);
  const colon = text.indexOf(':');
  return { algo: text.slice(0, colon) as HashAlgo, hex: text.slice(colon + 1) };
}

export function isHex(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

export function algoOf(oid: string): HashAlgo {
  return oid.slice(0, oid.indexOf(':')) as HashAlgo;
}

export function hexOf(oid: string): string {
  return oid.slice(oid.indexOf(':') + 1);
}

/** Store-relative path of an object: `objects/<algo>/<hex[0:2]>/<hex[2:]>` (same in cache and remotes). */
export function objectKey(oid: string): string {
  const hex = hexOf(oid);
  return `objects/${algoOf(oid)}/${hex.slice(0, 2)}/${hex.slice(2)}`;
}
