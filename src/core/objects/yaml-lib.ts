/**
 * The `yaml` package, loaded on first use, and `readYamlData`, which reads mlv's own simple files without
 * it (simple-yaml.ts). In the command-line bundle `require('yaml')` is bundled and runs only when called;
 * in the unbundled library (an ES module, where `require` does not exist) it is required from the package.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { parseSimpleYaml } from './simple-yaml.js';

let lib: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  lib ??= (typeof require === 'function' ? require('yaml') : createRequire(import.meta.url)('yaml')) as typeof Yaml;
  return lib;
}

/** The data in a YAML text, or the first error `yaml` reports (its first line). */
export function readYamlData(text: string): { data: unknown } | { error: string } {
  const simple = parseSimpleYaml(text);
  if (simple !== undefined) return { data: simple };
  let doc: Yaml.Document;
  try {
    doc = yamlLib().parseDocument(text, { prettyErrors: false });
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (doc.errors.length > 0) return { error: doc.errors[0]!.message.split('\n')[0]! };
  return { data: doc.toJS() as unknown };
}
