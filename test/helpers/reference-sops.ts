/**
 * An independent reference reader for files written by sops, used only by tests to
 * check fixtures. It shares no code with src/: it follows getsops/sops itself
 * (`sops.go` for the tree walk, the path-bound AAD, the MAC and `mac_only_encrypted`;
 * `aes/cipher.go` for the ENC[...] values and their types; `stores/*` for how each
 * format is read; `shamir/shamir.go` for key groups). It is one file on purpose: a
 * reviewer can hold the whole of sops' decrypt path, as re-read here, in one view.
 *
 * JSON representation of the decrypted document (what `decryptSopsReference` returns):
 * - a mapping is an object, a list an array, in document order (JS objects reorder
 *   integer-like keys; compare with toEqual, which ignores key order);
 * - `str` values are strings; `int` values are numbers, or decimal strings when outside
 *   ±(2^53 − 1); `float` values are numbers, or "NaN" / "+Inf" / "-Inf"; `bool` values
 *   are booleans; `time` values are the RFC 3339 string sops stored (Go's
 *   MarshalText form); null stays null; comments are dropped;
 * - unencrypted values keep the type their store gives them (YAML plain scalars are
 *   resolved as go-yaml v3 does: an unquoted date becomes a time, shown in Go's
 *   MarshalText form; dotenv and INI values are always strings);
 * - a YAML file with several documents gives an array with one entry per document;
 * - a binary file gives `{ "data": "<the file's contents>" }`.
 *
 * Not covered (these throw a clear error): `encrypted_comment_regex` and
 * `unencrypted_comment_regex` (their rules depend on comment positions that this reader
 * does not model), and key sources other than age (a key group is usable only through
 * its age entries).
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { Decrypter, armor } from 'age-encryption';
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode, type Scalar } from 'yaml';

export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

// ---------------------------------------------------------------------------------------
// The tree, as sops holds it: ordered branches, lists, and Go-typed scalars.

type GoValue =
  | { t: 'str'; s: string }
  | { t: 'int'; n: bigint }
  | { t: 'uint'; n: bigint }
  | { t: 'float'; f: number }
  | { t: 'bool'; b: boolean }
  | { t: 'time'; s: string }
  | { t: 'null' };
type Branch = { kind: 'map'; items: { key: string; value: TreeNode }[] };
type List = { kind: 'list'; items: TreeNode[] };
type Leaf = { kind: 'leaf'; v: GoValue };
type TreeNode = Branch | List | Leaf;

const str = (s: string): Leaf => ({ kind: 'leaf', v: { t: 'str', s } });

interface Loaded {
  branches: Branch[];
  /** The `sops` metadata as plain data (nested objects, arrays, strings, numbers, booleans). */
  meta: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------
// Public entry point.

/**
 * Decrypts a sops file with age identities and verifies its MAC. Returns the document
 * as JSON-able data (see the conventions at the top of this file). Throws on a file it
 * cannot read, a data key no identity opens, a value that fails AES-GCM, or a MAC
 * mismatch.
 */
export async function decryptSopsReference(text: string, format: SopsFormat, identities: string[]): Promise<unknown> {
  const { branches, meta } = load(text, format);
  const rules = encryptionRules(meta);
  const dataKey = await recoverDataKey(meta, identities);

  const hash = createHash('sha512');
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const docs = branches.map((b) => decryptNode(b, [], dataKey, rules, hash));
  const computed = hash.digest('hex').toUpperCase();

  const mac = String(meta['mac'] ?? '');
  const lastModified = rfc3339Reformat(String(meta['lastmodified'] ?? ''));
  const fileMac = mac === '' ? '' : aesDecrypt(mac, dataKey, lastModified).text;
  const a = Buffer.from(fileMac, 'utf8');
  const b = Buffer.from(computed, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new Error('MAC mismatch: the file was changed after sops wrote it');

  const json = docs.map(toJson);
  if (format === 'yaml' && json.length !== 1) return json;
  return json[0] ?? {};
}

/** Reads the age identities (AGE-SECRET-KEY-…) of an age-keygen style key file. */
export function parseIdentityFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

// ---------------------------------------------------------------------------------------
// Stores: bytes → branches + metadata.

function load(text: string, format: SopsFormat): Loaded {
  switch (format) {
    case 'yaml':
      return loadYaml(text);
    case 'json':
      return loadJson(text);
    case 'dotenv':
      return loadDotenv(text);
    case 'ini':
      return loadIni(text);
    case 'binary':
      // sops' binary store is its JSON store; files named .yaml hold YAML.
      return /^\s*\{/.test(text) ? loadJson(text) : loadYaml(text);
  }
}

/** First branch's `sops` entry is the metadata; `sops` entries are removed everywhere. */
function splitMetadata(branches: Branch[]): Loaded {
  let meta: TreeNode | undefined;
  for (const [i, branch] of branches.entries()) {
    const kept = branch.items.filter((it) => {
      if (it.key !== 'sops') return true;
      if (i === 0) {
        if (meta !== undefined) throw new Error('Found duplicate sops entry');
        meta = it.value;
      }
      return false;
    });
    branch.items = kept;
  }
  if (meta === undefined) throw new Error('sops metadata not found');
  if (meta.kind !== 'map') throw new Error('Found sops entry that is not a mapping');
  return { branches, meta: toJson(meta) as Record<string, unknown> };
}

// YAML (go-yaml v3 node semantics, as stores/yaml/store.go uses them).
function loadYaml(text: string): Loaded {
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: true, merge: false });
  if (!Array.isArray(docs)) throw new Error('not a YAML stream');
  const branches: Branch[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`Error unmarshaling input YAML: ${doc.errors[0]!.message}`);
    const root = doc.contents;
    if (root === null || (isScalar(root) && resolvePlain(root).t === 'null')) {
      branches.push({ kind: 'map', items: [] });
      continue;
    }
    const node = yamlToTree(root as YamlNode, doc);
    if (node.kind !== 'map') throw new Error('YAML documents that are not mappings are not supported');
    branches.push(node);
  }
  return splitMetadata(branches);
}

function yamlToTree(node: YamlNode, doc: Document.Parsed): TreeNode {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) throw new Error(`unresolved alias *${node.source}`);
    return yamlToTree(target as YamlNode, doc);
  }
  if (isMap(node)) {
    const items: Branch['items'] = [];
    for (const pair of node.items) {
      let keyNode = pair.key as YamlNode | null;
      if (keyNode !== null && isAlias(keyNode)) keyNode = keyNode.resolve(doc) as YamlNode;
      if (keyNode === null || !isScalar(keyNode)) throw new Error('Tree contains a non-scalar key');
      const key = resolvePlain(keyNode);
      if (key.t !== 'str') throw new Error(`Tree contains a non-string key (${key.t}); only string keys are supported`);
      const value = pair.value === null ? { kind: 'leaf' as const, v: { t: 'null' as const } } : yamlToTree(pair.value as YamlNode, doc);
      items.push({ key: key.s, value });
    }
    return { kind: 'map', items };
  }
  if (isSeq(node)) return { kind: 'list', items: node.items.map((n) => yamlToTree(n as YamlNode, doc)) };
  if (isScalar(node)) return { kind: 'leaf', v: resolvePlain(node) };
  throw new Error('unexpected YAML node');
}

const YAML_STR_TAG = 'tag:yaml.org,2002:str';

/** Resolves a scalar as go-yaml v3 does when decoding into interface{}. */
function resolvePlain(node: Scalar): GoValue {
  const raw = String(node.value);
  if (node.type !== 'PLAIN' || node.tag === YAML_STR_TAG || node.tag === '!') return { t: 'str', s: raw };
  if (node.tag !== undefined && node.tag !== null) {
    if (node.tag === 'tag:yaml.org,2002:null') return { t: 'null' };
    if (node.tag === 'tag:yaml.org,2002:bool' || node.tag === 'tag:yaml.org,2002:int' || node.tag === 'tag:yaml.org,2002:float' || node.tag === 'tag:yaml.org,2002:timestamp') {
      // fall through to the plain resolution below
    } else {
      throw new Error(`unsupported YAML tag ${node.tag}`);
    }
  }
  return resolveGoYamlPlain(raw);
}

function resolveGoYamlPlain(s: string): GoValue {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return { t: 'null' };
  if (s === 'true' || s === 'True' || s === 'TRUE') return { t: 'bool', b: true };
  if (s === 'false' || s === 'False' || s === 'FALSE') return { t: 'bool', b: false };
  if (['.nan', '.NaN', '.NAN'].includes(s)) return { t: 'float', f: NaN };
  if (['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].includes(s)) return { t: 'float', f: Infinity };
  if (['-.inf', '-.Inf', '-.INF'].includes(s)) return { t: 'float', f: -Infinity };
  const c = s[0]!;
  if (c === '.') {
    const f = goParseFloat(s);
    return f === undefined ? { t: 'str', s } : { t: 'float', f };
  }
  if (!/[-+0-9]/.test(c)) return { t: 'str', s };
  const ts = parseYamlTimestamp(s);
  if (ts !== undefined) return { t: 'time', s: ts };
  const plain = s.replaceAll('_', '');
  const i = goParseIntBase0(plain);
  if (i !== undefined) {
    if (i >= -(2n ** 63n) && i < 2n ** 63n) return { t: 'int', n: i };
    if (i >= 0n && i < 2n ** 64n) return { t: 'uint', n: i };
  }
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) {
    const f = goParseFloat(plain);
    if (f !== undefined) return { t: 'float', f };
  }
  const m = /^(-?)0([bo])([0-7]+|[01]+)$/.exec(plain);
  if (m) {
    const n = BigInt(`0${m[2]}${m[3]}`) * (m[1] === '-' ? -1n : 1n);
    return { t: 'int', n };
  }
  return { t: 'str', s };
}

/** strconv.ParseInt(s, 0, 64) / ParseUint: sign, 0x/0o/0b prefixes, a leading 0 is octal. */
function goParseIntBase0(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  let body = m[2]!;
  if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
  const n = BigInt(body.toLowerCase());
  return m[1] === '-' ? -n : n;
}

/** strconv.ParseFloat(s, 64) for the decimal forms sops meets, plus inf/nan spellings. */
function goParseFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** go-yaml v3 parseTimestamp: the four layouts it tries, to Go's MarshalText form. */
function parseYamlTimestamp(s: string): string | undefined {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?))?$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d] = m;
  const h = m[4] ?? m[9] ?? '0';
  const mi = m[5] ?? m[10] ?? '0';
  const se = m[6] ?? m[11] ?? '0';
  const frac = m[7] ?? m[12] ?? '';
  const zone = m[8] ?? 'Z';
  return formatGoTime(+y!, +mo!, +d!, +h, +mi, +se, frac, zone);
}

/** time.Time.MarshalText (RFC 3339 with nanoseconds, trailing zeros trimmed, 'Z' for UTC). */
function formatGoTime(y: number, mo: number, d: number, h: number, mi: number, se: number, frac: string, zone: string): string | undefined {
  const daysIn = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn[mo - 1]! || h > 23 || mi > 59 || se > 59) return undefined;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  let f = frac.slice(1, 10).replace(/0+$/, '');
  f = f === '' ? '' : `.${f}`;
  const z = zone === 'Z' || zone === 'z' || zone === '+00:00' || zone === '-00:00' ? 'Z' : zone;
  return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(se)}${f}${z}`;
}

/** The MAC's AAD: lastmodified parsed as RFC 3339 and formatted back (no fraction). */
function rfc3339Reformat(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) throw new Error(`lastmodified is not an RFC 3339 time: ${JSON.stringify(s)}`);
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3];
  return `${m[1]}${zone}`;
}

// JSON (stores/json/store.go: ordered, numbers as int64 when they parse so, else float64).
function loadJson(text: string): Loaded {
  const p = new JsonReader(text);
  p.ws();
  if (text[p.i] !== '{') throw new Error('SOPS only supports JSON files with a top-level object');
  const root = p.value();
  p.ws();
  if (p.i !== text.length) throw new Error('trailing data after the JSON object');
  return splitMetadata([root as Branch]);
}

class JsonReader {
  i = 0;
  constructor(private readonly s: string) {}
  ws(): void {
    while (/[ \t\r\n]/.test(this.s[this.i] ?? '')) this.i++;
  }
  fail(what: string): never {
    throw new Error(`invalid JSON at offset ${this.i}: ${what}`);
  }
  value(): TreeNode {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') {
      this.i++;
      const items: Branch['items'] = [];
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return { kind: 'map', items };
      }
      for (;;) {
        this.ws();
        if (this.s[this.i] !== '"') this.fail('expected a key');
        const key = this.string();
        this.ws();
        if (this.s[this.i++] !== ':') this.fail('expected :');
        items.push({ key, value: this.value() });
        this.ws();
        const d = this.s[this.i++];
        if (d === '}') return { kind: 'map', items };
        if (d !== ',') this.fail('expected , or }');
      }
    }
    if (c === '[') {
      this.i++;
      const items: TreeNode[] = [];
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return { kind: 'list', items };
      }
      for (;;) {
        items.push(this.value());
        this.ws();
        const d = this.s[this.i++];
        if (d === ']') return { kind: 'list', items };
        if (d !== ',') this.fail('expected , or ]');
      }
    }
    if (c === '"') return str(this.string());
    for (const [lit, v] of [['true', { t: 'bool', b: true }], ['false', { t: 'bool', b: false }], ['null', { t: 'null' }]] as const) {
      if (this.s.startsWith(lit, this.i)) {
        this.i += lit.length;
        return { kind: 'leaf', v };
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail('unexpected character');
    this.i += m[0].length;
    const n = m[0];
    if (!m[2] && !m[3]) {
      const i = BigInt(n);
      if (i >= -(2n ** 63n) && i < 2n ** 63n) return { kind: 'leaf', v: { t: 'int', n: i } };
    }
    return { kind: 'leaf', v: { t: 'float', f: Number(n) } };
  }
  string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== '"') {
      if (this.s[this.i] === '\\') this.i++;
      this.i++;
    }
    if (this.s[this.i] !== '"') this.fail('unterminated string');
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }
}

// dotenv (stores/dotenv/store.go): KEY=VALUE lines, `\n` escapes, `sops_*` metadata.
function loadDotenv(text: string): Loaded {
  const items: Branch['items'] = [];
  const flat: { key: string; value: string }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const pos = line.indexOf('=');
    if (pos === -1) throw new Error('invalid dotenv input line');
    const key = line.slice(0, pos);
    const value = line.slice(pos + 1).replaceAll('\\n', '\n');
    if (key.startsWith('sops_')) flat.push({ key: key.slice('sops_'.length), value });
    else items.push({ key, value: str(value) });
  }
  if (flat.length === 0) throw new Error('sops metadata not found');
  return { branches: [{ kind: 'map', items }], meta: unflatten(flat) };
}

// INI (stores/ini/store.go over gopkg.in/ini.v1): sections of string values, a [sops] section.
function loadIni(text: string): Loaded {
  const sections: { name: string; items: Branch['items'] }[] = [{ name: 'DEFAULT', items: [] }];
  const lines = text.split(/\r?\n/);
  let current = sections[0]!;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end === -1) throw new Error(`unclosed section: ${line}`);
      const name = line.slice(1, end).trim();
      const existing = sections.find((s) => s.name === name);
      if (existing && name !== 'DEFAULT') throw new Error(`duplicate INI section [${name}] is not supported here`);
      current = existing ?? { name, items: [] };
      if (!existing) sections.push(current);
      continue;
    }
    const d = line.search(/[=:]/);
    if (d === -1) throw new Error(`INI line without a key delimiter: ${line}`);
    const key = line.slice(0, d).trim().replace(/^`(.*)`$/, '$1').replace(/^"(.*)"$/, '$1');
    let value = line.slice(d + 1).trimStart();
    if (value.startsWith('"""')) {
      // ini.v1 multi-line value: everything up to the closing """.
      let body = value.slice(3);
      while (!body.includes('"""')) {
        n++;
        if (n >= lines.length) throw new Error('unterminated """ value');
        body += `\n${lines[n]!}`;
      }
      value = body.slice(0, body.indexOf('"""'));
    } else {
      const c = value.search(/[#;]/);
      if (c !== -1) value = value.slice(0, c);
      value = value.trim();
      if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    }
    current.items.push({ key, value: str(value) });
  }
  const sops = sections.find((s) => s.name === 'sops');
  if (!sops) throw new Error('sops metadata not found');
  const flat = sops.items.map((it) => ({ key: it.key, value: ((it.value as Leaf).v as { s: string }).s.replaceAll('\\n', '\n') }));
  // ini.v1 always has a DEFAULT section; an empty one is its artefact, not document content.
  const branch: Branch = {
    kind: 'map',
    items: sections.filter((s) => s !== sops && !(s.name === 'DEFAULT' && s.items.length === 0)).map((s) => ({ key: s.name, value: { kind: 'map', items: s.items } })),
  };
  return { branches: [branch], meta: unflatten(flat) };
}

/** stores/flatten.go: `a__map_b__list_0` → { a: { b: [ … ] } }. */
function unflatten(flat: { key: string; value: string }[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const { key, value } of flat) {
    const tokens = key.split(/(?=__map_|__list_)/);
    let cur: Record<string, unknown> | unknown[] = root;
    tokens.forEach((tok, i) => {
      const last = i === tokens.length - 1;
      const next = tokens[i + 1];
      const k: string | number = tok.startsWith('__list_') ? Number(tok.slice('__list_'.length)) : tok.startsWith('__map_') ? tok.slice('__map_'.length) : tok;
      const slot = cur as Record<string | number, unknown>;
      if (last) slot[k] = value;
      else {
        slot[k] ??= next!.startsWith('__list_') ? [] : {};
        cur = slot[k] as Record<string, unknown>;
      }
    });
  }
  return root;
}

// ---------------------------------------------------------------------------------------
// Metadata: which values are encrypted, and the data key.

interface Rules {
  test: (path: string[]) => boolean;
  macOnlyEncrypted: boolean;
}

function goRegExp(re: string): RegExp {
  // Go's RE2 and JS agree on the patterns sops users write; translate a leading (?i).
  const m = /^\(\?([imsU]+)\)/.exec(re);
  if (m) return new RegExp(re.slice(m[0].length), m[1]!.replace('U', '').includes('i') ? 'i' : '');
  return new RegExp(re);
}

function encryptionRules(meta: Record<string, unknown>): Rules {
  const get = (k: string) => (typeof meta[k] === 'string' && meta[k] !== '' ? (meta[k] as string) : undefined);
  const macOnlyEncrypted = weakBool(meta['mac_only_encrypted']);
  const rules = ['unencrypted_suffix', 'encrypted_suffix', 'unencrypted_regex', 'encrypted_regex', 'unencrypted_comment_regex', 'encrypted_comment_regex'].filter((k) => get(k) !== undefined);
  if (rules.length > 1) throw new Error(`more than one encryption rule: ${rules.join(', ')}`);
  if (get('unencrypted_comment_regex') || get('encrypted_comment_regex')) throw new Error('comment-based encryption rules are not supported by the reference reader');
  const us = get('unencrypted_suffix') ?? (rules.length === 0 ? '_unencrypted' : undefined);
  const es = get('encrypted_suffix');
  const ur = get('unencrypted_regex');
  const er = get('encrypted_regex');
  const test = (path: string[]): boolean => {
    // sops.go shouldBeEncrypted: each rule looks at every key on the path.
    if (us !== undefined) return !path.some((p) => p.endsWith(us));
    if (es !== undefined) return path.some((p) => p.endsWith(es));
    if (ur !== undefined) return !path.some((p) => goRegExp(ur).test(p));
    if (er !== undefined) return path.some((p) => goRegExp(er).test(p));
    return true;
  };
  return { test, macOnlyEncrypted };
}

function weakBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
  if (typeof v === 'number') return v !== 0;
  return false;
}

const KEY_SOURCES = ['pgp', 'kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault', 'age'];

/** Metadata.GetDataKey: one part per key group; several groups are Shamir shares. */
async function recoverDataKey(meta: Record<string, unknown>, identities: string[]): Promise<Buffer> {
  const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
  let groups: Record<string, unknown>[];
  if (KEY_SOURCES.some((k) => nonEmpty(meta[k]))) groups = [meta];
  else if (nonEmpty(meta['key_groups'])) groups = meta['key_groups'] as Record<string, unknown>[];
  else throw new Error('No keys found in file');

  const parts: Buffer[] = [];
  for (const group of groups) {
    const part = await openGroup(group, identities);
    if (part) parts.push(part);
  }
  if (groups.length > 1) {
    const threshold = Number(meta['shamir_threshold'] ?? 0);
    if (parts.length < threshold || parts.length < 2) throw new Error(`only ${parts.length} of ${groups.length} key groups could be opened (threshold ${threshold})`);
    return shamirCombine(parts);
  }
  if (parts.length !== 1) throw new Error('no age identity opens the data key');
  return parts[0]!;
}

async function openGroup(group: Record<string, unknown>, identities: string[]): Promise<Buffer | undefined> {
  const ages = Array.isArray(group['age']) ? (group['age'] as Record<string, unknown>[]) : [];
  for (const entry of ages) {
    const enc = String(entry['enc'] ?? '');
    const d = new Decrypter();
    for (const id of identities) d.addIdentity(id);
    try {
      return Buffer.from(await d.decrypt(armor.decode(enc.trim() + '\n')));
    } catch {
      // not for these identities; sops tries the next key of the group
    }
  }
  return undefined;
}

/** shamir/shamir.go Combine: Lagrange interpolation at x = 0 over GF(2^8) (AES polynomial). */
function shamirCombine(parts: Buffer[]): Buffer {
  const len = parts[0]!.length;
  if (len < 2 || parts.some((p) => p.length !== len)) throw new Error('invalid shamir parts');
  const xs = parts.map((p) => p[len - 1]!);
  if (new Set(xs).size !== xs.length) throw new Error('duplicate shamir part');
  const mult = (a: number, b: number) => {
    let acc = 0;
    for (let i = 7; i >= 0; i--) {
      const bit = (b >> i) & 1;
      acc = ((acc << 1) ^ (acc & 0x80 ? 0x1b : 0)) & 0xff;
      if (bit) acc ^= a;
    }
    return acc;
  };
  const inverse = (a: number) => {
    let r = 1;
    for (let i = 0; i < 254; i++) r = mult(r, a);
    return r;
  };
  const secret = Buffer.alloc(len - 1);
  for (let idx = 0; idx < len - 1; idx++) {
    let result = 0;
    for (let i = 0; i < parts.length; i++) {
      let basis = 1;
      for (let j = 0; j < parts.length; j++) {
        if (i === j) continue;
        basis = mult(basis, mult(xs[j]!, inverse(xs[i]! ^ xs[j]!)));
      }
      result ^= mult(parts[i]![idx]!, basis);
    }
    secret[idx] = result;
  }
  return secret;
}

// ---------------------------------------------------------------------------------------
// Values: the tree walk of sops.go Tree.Decrypt.

/** sops.go MACOnlyEncryptedInitialization. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from([
  0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad,
  0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
]);

function decryptNode(node: TreeNode, path: string[], key: Buffer, rules: Rules, hash: ReturnType<typeof createHash>): TreeNode {
  if (node.kind === 'map') return { kind: 'map', items: node.items.map((it) => ({ key: it.key, value: decryptNode(it.value, [...path, it.key], key, rules, hash) })) };
  // List items share their list's path (walkSlice does not extend it).
  if (node.kind === 'list') return { kind: 'list', items: node.items.map((n) => decryptNode(n, path, key, rules, hash)) };
  if (node.v.t === 'null') return node; // walkValue leaves nil alone: not decrypted, not in the MAC
  const encrypted = rules.test(path);
  let v: GoValue = node.v;
  if (encrypted) {
    if (v.t !== 'str') throw new Error(`Expected encrypted value as string at ${path.join(':')}, but got ${v.t}`);
    v = v.s === '' ? v : aesDecrypt(v.s, key, path.join(':') + ':').value;
  }
  if (!rules.macOnlyEncrypted || encrypted) hash.update(toBytes(v, path));
  return { kind: 'leaf', v };
}

const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

function b64(s: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error(`Error base64-decoding ${what}`);
  return Buffer.from(s, 'base64');
}

/** aes/cipher.go Decrypt: AES-256-GCM, nonce of any length, AAD = the path string. */
function aesDecrypt(value: string, key: Buffer, aad: string): { text: string; value: GoValue } {
  const m = ENC_RE.exec(value);
  if (!m) throw new Error("value does not match sops' data format");
  const data = b64(m[1]!, 'data');
  const iv = b64(m[2]!, 'iv');
  const tag = b64(m[3]!, 'tag');
  const type = m[4]!;
  if (tag.length !== 16) throw new Error('Could not decrypt with AES_GCM: bad tag length');
  const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new Error('Could not decrypt with AES_GCM: message authentication failed');
  }
  const text = plain.toString('utf8');
  switch (type) {
    case 'str':
    case 'bytes':
      return { text, value: { t: 'str', s: text } };
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) throw new Error('invalid int value');
      const n = BigInt(text);
      if (n < -(2n ** 63n) || n >= 2n ** 63n) throw new Error('int value out of range');
      return { text, value: { t: 'int', n } };
    }
    case 'float': {
      const f = goParseFloat(text);
      if (f === undefined) throw new Error('invalid float value');
      return { text, value: { t: 'float', f } };
    }
    case 'bool': {
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return { text, value: { t: 'bool', b: true } };
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return { text, value: { t: 'bool', b: false } };
      throw new Error('invalid bool value');
    }
    case 'time': {
      const m2 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
      const t = m2 && formatGoTime(+m2[1]!, +m2[2]!, +m2[3]!, +m2[4]!, +m2[5]!, +m2[6]!, m2[7] ?? '', m2[8]!);
      if (!t) throw new Error('invalid time value');
      return { text, value: { t: 'time', s: t } };
    }
    default:
      throw new Error(`Unknown datatype: ${type}`);
  }
}

/** sops.go ToBytes: what the MAC hashes for each value. */
function toBytes(v: GoValue, path: string[]): Buffer {
  switch (v.t) {
    case 'str':
    case 'time':
      return Buffer.from(v.s, 'utf8');
    case 'int':
      return Buffer.from(v.n.toString(), 'utf8');
    case 'float':
      return Buffer.from(goFormatFloat(v.f), 'utf8');
    case 'bool':
      return Buffer.from(v.b ? 'True' : 'False', 'utf8');
    default:
      throw new Error(`Could not convert ${v.t} at ${path.join(':')} to bytes`);
  }
}

/** strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, never an exponent. */
function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expS] = Math.abs(f).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expS);
  let out: string;
  if (exp >= digits.length - 1) out = digits + '0'.repeat(exp - digits.length + 1);
  else if (exp >= 0) out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return (f < 0 ? '-' : '') + out;
}

// ---------------------------------------------------------------------------------------
// Tree → JSON-able data.

function toJson(node: TreeNode): unknown {
  if (node.kind === 'map') {
    const out: Record<string, unknown> = {};
    for (const it of node.items) Object.defineProperty(out, it.key, { value: toJson(it.value), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (node.kind === 'list') return node.items.map(toJson);
  const v = node.v;
  switch (v.t) {
    case 'str':
    case 'time':
      return v.s;
    case 'int':
    case 'uint':
      return v.n >= BigInt(Number.MIN_SAFE_INTEGER) && v.n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.n) : v.n.toString();
    case 'float':
      return Number.isFinite(v.f) ? v.f : Number.isNaN(v.f) ? 'NaN' : v.f > 0 ? '+Inf' : '-Inf';
    case 'bool':
      return v.b;
    case 'null':
      return null;
  }
}
