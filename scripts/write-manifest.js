// Writes oclif.manifest.json after the build so oclif can list commands and flags without importing
// every command module at start-up (this keeps `mlv status` start-up fast).
import { Config } from '@oclif/core';
import { rmSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}/oclif.manifest.json`, { force: true }); // else oclif would read the stale one back
const config = await Config.load(root);
const plugin = config.plugins.get(config.pjson.name);
const manifest = { ...plugin.manifest, version: config.version };
writeFileSync(`${root}/oclif.manifest.json`, JSON.stringify(manifest, null, 2));
console.log(`wrote oclif.manifest.json (${Object.keys(manifest.commands).length} commands)`);
