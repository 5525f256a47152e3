/**
 * A reader for the small YAML documents mlv writes itself — pointer files and the default config — that
 * gives exactly what the `yaml` package gives for them, and gives up (undefined) on anything else: the
 * caller then parses with `yaml`. `status` reads a config and a pointer per tracked path on every run;
 * loading and warming up the full parser cost ~13 ms of each run, half of what scanning 20,000 files takes.
 *
 * Accepted, line by line (anything else → undefined):
 *   - blank lines and comment lines;
 *   - `key: value`, and `key:` opening a nested mapping whose lines are indented two more spaces (the
 *     config's `remotes: → origin: → url: …`);
 *   - keys of letters, digits and underscores; values are a decimal integer without sign or leading zero
 *     (up to 15 digits), `true` / `false`, a plain word (a letter, `_` or `/`, then letters, digits and
 *     `_ . / : - @ ~ + = %`, not ending with `:`, and not a YAML keyword such as `null` or `True`), or a
 *     flow list of lowercase words (`[reflink, copy]`); each may be followed by ` # comment`.
 * A test feeds this and `yaml` the same inputs (mlv's own files and tricky neighbours of them) and checks
 * they agree whenever this reader answers.
 */

type Scalar = string | number | boolean;
type Value = Scalar | string[] | { [key: string]: Value };

const KEY_LINE = /^( *)([A-Za-z][A-Za-z0-9_]*):(.*)$/;
const NO_VALUE = /^ *(?:#.*)?$/;
const INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
const WORD = /^[A-Za-z_/][A-Za-z0-9_./:@~+=%-]*$/;
const LIST = /^\[ *([a-z][a-z0-9_-]*(?: *, *[a-z][a-z0-9_-]*)*) *\]$/;
/** Words YAML 1.2 (core schema) reads as something other than a string. */
const KEYWORDS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

function scalar(text: string): Value | undefined {
  if (INTEGER.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  const list = LIST.exec(text);
  if (list) {
    const items = list[1]!.split(',').map((s) => s.trim());
    return items.some((s) => KEYWORDS.has(s)) ? undefined : items;
  }
  if (WORD.test(text) && !text.endsWith(':') && !KEYWORDS.has(text)) return text;
  return undefined;
}

/** The value part after `key:` — ` value` with an optional ` # comment` — or undefined. */
function valueOf(rest: string): Value | undefined {
  const m = /^ +(\[[^\]#]*\]|[^ #[][^ ]*?) *(?: #.*)?$/.exec(rest);
  return m ? scalar(m[1]!) : undefined;
}

/** The mapping in `text`, when it is in the subset described above; otherwise undefined. */
export function parseSimpleYaml(text: string): Record<string, Value> | undefined {
  if (/[\r\t\uFEFF]/.test(text)) return undefined;
  const root: Record<string, Value> = {};
  // The open mappings, outermost first: stack[d] takes keys indented by 2 × d spaces.
  const stack: Record<string, Value>[] = [root];
  const emptyBlock = () => stack.length > 1 && Object.keys(stack[stack.length - 1]!).length === 0;
  for (const line of text.split('\n')) {
    if (NO_VALUE.test(line)) continue; // blank or comment (a comment line may sit at any indent)
    const m = KEY_LINE.exec(line);
    if (!m) return undefined;
    const [, indent, key, rest] = m as unknown as [string, string, string, string];
    if (indent.length % 2 !== 0) return undefined;
    const depth = indent.length / 2;
    if (depth >= stack.length) return undefined; // deeper than the open mapping allows
    if (depth < stack.length - 1) {
      if (emptyBlock()) return undefined; // `key:` with nothing under it is null
      stack.length = depth + 1;
    }
    const map = stack[depth]!;
    if (Object.hasOwn(map, key)) return undefined;
    if (NO_VALUE.test(rest)) {
      const block: Record<string, Value> = {};
      map[key] = block;
      stack.push(block);
      continue;
    }
    const v = valueOf(rest);
    if (v === undefined) return undefined;
    map[key] = v;
  }
  if (Object.keys(root).length === 0 || emptyBlock()) return undefined;
  return root;
}
