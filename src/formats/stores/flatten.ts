/**
 * sops' metadata flattening (`stores/flatten.go`) for the formats without nesting:
 * `age: [{recipient: …}]` is `age__list_0__map_recipient`. Map keys are written sorted
 * at every level and list items in order, as recent sops versions write them; scalars as Go
 * prints them (`2`, `true`).
 */
import { FormatError } from '../../kernel/errors.js';

const MAP = '__map_';
const LIST = '__list_';

/** Flattened `[key, text]` pairs of a metadata mapping (null values and empty lists omitted). */
export function flattenMetadata(meta: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const visit = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${key}${LIST}${i}`));
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v).sort()) visit((v as Record<string, unknown>)[k], `${key}${MAP}${k}`);
    } else if (v !== null && v !== undefined) {
      out.push([key, String(v)]);
    }
  };
  for (const k of Object.keys(meta).sort()) visit(meta[k], k);
  return out;
}

type Token = { map: string } | { list: number };

/** sops' tokenizer: split at every `__map_` and `__list_` marker. */
function tokenize(key: string): Token[] {
  const tokens: Token[] = [];
  let kind: 'plain' | 'map' | 'list' = 'plain';
  let start = 0;
  const finish = (end: number) => {
    if (kind === 'list') tokens.push({ list: Number.parseInt(key.slice(start + LIST.length, end), 10) || 0 });
    else tokens.push({ map: key.slice(kind === 'map' ? start + MAP.length : start, end) });
    start = end;
  };
  for (let i = 0; i < key.length; ) {
    if (key.startsWith(MAP, i)) {
      finish(i);
      kind = 'map';
      i += MAP.length;
    } else if (key.startsWith(LIST, i)) {
      finish(i);
      kind = 'list';
      i += LIST.length;
    } else i++;
  }
  finish(key.length);
  return tokens;
}

interface Slot {
  value?: string;
  keys?: Map<string, Slot>;
  items?: Map<number, Slot>;
}

/** Rebuild the metadata mapping from flattened pairs. FormatError on a collision or a gap. */
export function unflattenMetadata(entries: ReadonlyArray<readonly [string, string]>, file: string): Record<string, unknown> {
  const bad = (why: string) => new FormatError(`${file}: the flattened sops metadata is malformed (${why})`, { file });
  const root: Slot = {};
  for (const [key, value] of entries) {
    let slot = root;
    for (const t of tokenize(key)) {
      if ('map' in t) {
        slot.keys ??= new Map();
        if (!slot.keys.has(t.map)) slot.keys.set(t.map, {});
        slot = slot.keys.get(t.map)!;
      } else {
        slot.items ??= new Map();
        if (!slot.items.has(t.list)) slot.items.set(t.list, {});
        slot = slot.items.get(t.list)!;
      }
    }
    if (slot.value !== undefined) throw bad('a key appears twice');
    slot.value = value;
  }
  const convert = (s: Slot): unknown => {
    const kinds = Number(s.value !== undefined) + Number((s.keys?.size ?? 0) > 0) + Number((s.items?.size ?? 0) > 0);
    if (kinds > 1) throw bad('a key is both a value and a container');
    if (s.value !== undefined) return s.value;
    if (s.items?.size) {
      const n = s.items.size;
      if (![...s.items.keys()].every((i) => i >= 0 && i < n)) throw bad('a list has a gap');
      return Array.from({ length: n }, (_, i) => convert(s.items!.get(i)!));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of s.keys ?? []) Object.defineProperty(out, k, { value: convert(v), enumerable: true, writable: true, configurable: true });
    return out;
  };
  return convert(root) as Record<string, unknown>;
}
