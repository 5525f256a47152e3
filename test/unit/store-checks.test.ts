/**
 * Existence checks of `addBytesSync` during a big add: answered from folder listings (or, for folders
 * far bigger than the checks expected, from a stat each) — either way the same answers as a stat.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes, warmHasher } from '../../src/core/objects/hash.js';
import { ObjectStore } from '../../src/core/objects/store.js';
import { tempDir } from '../helpers/repo.js';

async function objects(n: number, tag: string): Promise<{ data: Buffer; hex: string }[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const data = Buffer.from(`${tag} ${i}\n`);
    return { data, hex: await hashBytes('xxh128', data) };
  }));
}

describe('ObjectStore existence checks for many small objects', () => {
  it.each([
    ['listing each folder', 5000],
    ['a stat each (folders far bigger than the checks expected)', 1],
  ])('%s gives the same answers as a stat', async (_name, expected) => {
    await warmHasher('xxh128');
    const store = new ObjectStore(tempDir('mlv-store-'), 'xxh128');
    const before = await objects(300, 'old');
    const first = store.batch();
    for (const o of before) store.addBytesSync(o.data, o.hex, first);
    await first.flush();
    // make one folder big, so the listing is refused with few expected checks
    const crowded = join(store.objectsDir, before[0]!.hex.slice(0, 2));
    mkdirSync(crowded, { recursive: true });
    for (let i = 0; i < 600; i++) writeFileSync(join(crowded, `padding-name-of-some-length-${i}`), '');

    store.expectManyChecks(expected);
    const batch = store.batch();
    for (const o of before) expect(store.addBytesSync(o.data, o.hex, batch).written).toBe(false);
    const fresh = await objects(300, 'new');
    for (const o of fresh) expect(store.addBytesSync(o.data, o.hex, batch).written).toBe(true);
    for (const o of fresh) expect(store.addBytesSync(o.data, o.hex, batch).written).toBe(false); // pending
    await batch.flush();
    const again = store.batch();
    for (const o of fresh) expect(store.addBytesSync(o.data, o.hex, again).written).toBe(false); // placed since
    for (const o of [...before, ...fresh]) expect(store.hasSync(store.oid(o.hex))).toBe(true);
  });
});
