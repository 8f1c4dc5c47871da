/**
 * `validate`: the files under `secrets/`, without decrypting — well-formed SOPS within
 * the metadata allowlist (S1), fully encrypted, recipients and key groups equal to the
 * policy in both directions (S2), key names, required keys and parity between
 * environments.
 */
import { keyNameProblems } from '../../core/key-name-rules.js';
import { join } from 'node:path';
import { isMap, type Document, type YAMLMap } from 'yaml';
import type { AccessPolicy } from '../../config/access-policy.js';
import type { Rules } from '../../config/rules.js';
import { envNames, leafKeyPaths, topLevelKeys } from '../../formats/document-keys.js';
import type { SopsMetadata } from '../../sops/metadata.js';
import { isKeyfoldError } from '../../kernel/errors.js';
import { diffLayout } from '../../core/layout-diff.js';
import { findPlaintext } from '../../sops/plaintext-values.js';
import { layoutKey, matchesAny, recipientLayout, type RecipientLayout } from '../../core/policy.js';
import { parseSopsFile, type ParsedSopsFile } from '../../sops/file.js';
import type { Violation } from '../../core/violation.js';
import { lineOfPath, lineOfText } from '../../formats/yaml-lines.js';
import { inventorySecrets } from '../../repo/secrets-inventory.js';
import { readTextFile } from '../../repo/secrets-tree.js';
import { parseRef } from '../../kernel/ref.js';
import { poolThreads, runTasks } from '../../kernel/worker-pool.js';
import { printableNameCut } from '../../kernel/names.js';

/** One file under `secrets/` as validation saw it. */
export interface SecretFile {
  /** Repository-relative POSIX path. */
  file: string;
  /** Its ref (path under `secrets/` without the extension). */
  ref: string;
  text?: string;
  /** Whether it parsed as SOPS within the allowlist (the checks below ran). */
  parsed: boolean;
  /** Top-level key names (empty when unparsed). */
  keys: string[];
  /** Every leaf key path (empty when unparsed). The document itself is not kept: 10,000 of them would stay in memory to the end. */
  leaves: string[][];
}

export interface SecretsJudge {
  /** Policies whose layout a file may have; the first is the one reported against. */
  policies: readonly AccessPolicy[];
  /** Further policies used only to name recipients. */
  namingPolicies: readonly AccessPolicy[];
  /** Environments of keyfold.yaml; undefined when it is invalid (not checked then). */
  environments?: readonly string[];
  rules: Rules;
}

const YAML_RE = /\.ya?ml$/;

type Report = (line: number, rule: Violation['rule'], message: string) => void;

/** Dotfiles allowed under secrets/: directory keepers, and the temp files of an interrupted atomic write. */
const ALLOWED_DOTFILE = /^\.(?:gitkeep|keep|.+\.[0-9a-f]{12}\.tmp)$/;

/**
 * From this many files validate shares them between threads. The checks are mostly
 * JavaScript a fresh worker runs cold: on 2 cores, 2 threads took 423 ms for 1,000 files
 * against 368 ms on one (interleaved runs), and 1.51 s for 10,000 against 1.85 s.
 */
export const VALIDATE_PARALLEL_MIN_FILES = 3000;

/** Check every file under `secrets/`; returns the files (for the change checks) and the violations. */
export async function checkSecretFiles(root: string, judge: SecretsJudge, env: Record<string, string | undefined> = {}): Promise<{ files: SecretFile[]; violations: Violation[] }> {
  const violations: Violation[] = [];
  const inventory = inventorySecrets(root);
  for (const p of inventory.refused) {
    violations.push({ file: p, line: 1, rule: 'sops-format', message: 'is a symlink or special file; keyfold never follows symlinks under secrets/' });
  }
  const yamlFiles: string[] = [];
  for (const file of inventory.files) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (ALLOWED_DOTFILE.test(name)) continue;
    if (!YAML_RE.test(name) || name.startsWith('.')) {
      // keyfold never reads these as refs, so nothing else would look at them.
      violations.push({ file, line: 1, rule: 'sops-format', message: 'not a SOPS YAML file; everything under secrets/ must be an encrypted <name>.yaml file' });
      continue;
    }
    yamlFiles.push(file);
  }
  // Each file on its own, on every core for many files (the same checks on each thread).
  const checked = await runTasks(yamlFiles, {
    kind: 'validate',
    data: { root, judge } satisfies ValidateWorkerData,
    threads: poolThreads(yamlFiles.length, env, { minFiles: VALIDATE_PARALLEL_MIN_FILES }),
    batch: 32,
    here: fileChecker(root, judge),
  });
  const files = checked.map((c) => c.entry);
  for (const c of checked) violations.push(...c.violations);
  // db.yaml beside db.yml: two files for one ref, and readers disagree on which counts.
  const byRef = new Map<string, string[]>();
  for (const f of files) byRef.set(f.ref, [...(byRef.get(f.ref) ?? []), f.file]);
  for (const [ref, paths] of byRef) {
    for (const file of paths.length > 1 ? paths : []) {
      violations.push({ file, line: 1, rule: 'ref', message: `ref ${ref} has ${paths.length} files (${paths.join(', ')}); keep exactly one` });
    }
  }
  violations.push(...checkParity(files, judge));
  return { files, violations };
}

/** One file as checked: what the whole-tree checks need, and its own violations (plain data: it may come from a worker). */
interface CheckedFile {
  entry: SecretFile;
  violations: Violation[];
}

/** What a validate worker gets once. */
interface ValidateWorkerData {
  root: string;
  judge: SecretsJudge;
}

/** The worker side: one checker per worker. */
export function validateWorkerHandler(): (file: string, data: unknown) => CheckedFile {
  let check: ((file: string) => CheckedFile) | undefined;
  return (file, data) => {
    const d = data as ValidateWorkerData;
    check ??= fileChecker(d.root, d.judge);
    return check(file);
  };
}

/** The checks of one `*.yaml` file under `secrets/` (repository-relative path): S1 format and allowlist, S2 layout, names, required keys. */
function fileChecker(root: string, judge: SecretsJudge): (file: string) => CheckedFile {
  const keyPattern = new RegExp(judge.rules.key_pattern);
  return (file) => {
    const violations: Violation[] = [];
    const add: Report = (line, rule, message) => violations.push({ file, line, rule, message });
    const entry: SecretFile = { file, ref: file.replace(/^secrets\//, '').replace(YAML_RE, ''), parsed: false, keys: [], leaves: [] };
    checkRef(entry.ref, judge, add);
    let parsed: ParsedSopsFile;
    let text: string;
    try {
      text = entry.text = readTextFile(join(root, file), file, { root, dirsChecked: true });
      parsed = parseSopsFile(text, file, { strict: true, readOnly: true });
    } catch (e) {
      if (!isKeyfoldError(e)) throw e;
      const m = /^[^\n]*?:(\d+): /.exec(e.message);
      add(m ? Number(m[1]) : 1, 'sops-format', withoutFile(e.message, file));
      return { entry, violations };
    }
    entry.parsed = true;
    entry.keys = topLevelKeys(parsed.doc);
    entry.leaves = leafKeyPaths(parsed.doc);
    checkEncrypted(text, parsed, add);
    checkLayout(entry.ref, text, parsed.meta, judge, add);
    checkNames(text, parsed.doc, entry.keys, keyPattern, judge.rules.key_pattern, add);
    checkRequired(entry.ref, parsed.doc, judge.rules, add);
    return { entry, violations };
  };
}

/** Every value sops encrypts is encrypted (empty strings and nulls aside), and so is every comment. */
function checkEncrypted(text: string, parsed: ParsedSopsFile, add: Report): void {
  for (const f of findPlaintext(parsed.doc, parsed.meta.selection)) {
    const where = lineOfPath(text, f.path);
    const name = printable(f.name);
    if (f.kind === 'value') add(where, 'plaintext-value', `${name} is not encrypted; only values under keys ending in _unencrypted may be plaintext`);
    else if (f.kind === 'malformed') add(where, 'plaintext-value', `${name} holds a malformed ENC[…] value`);
    else add(where, 'plaintext-value', `a plaintext comment at ${name}; comments in secret files must be encrypted`);
  }
}

/** Top-level names match key_pattern; no name (nested ones flattened) changes how programs start. */
function checkNames(text: string, doc: Document, keys: string[], keyPattern: RegExp, source: string, add: Report): void {
  for (const p of keyNameProblems(keys, envNames(doc), keyPattern, source, printable)) add(lineOfPath(text, p.path), 'key-name', p.message);
}

function checkRequired(ref: string, doc: Document, rules: Rules, add: Report): void {
  for (const [glob, keys] of Object.entries(rules.required)) {
    if (!matchesAny([glob], ref)) continue;
    for (const key of keys) {
      if (!hasKey(doc, key)) add(1, 'required-key', `required key ${key} is missing (policies/rules.yaml requires it for ${glob})`);
    }
  }
}

function checkRef(ref: string, judge: SecretsJudge, add: Report): void {
  try {
    parseRef(ref);
  } catch (e) {
    if (!isKeyfoldError(e)) throw e;
    add(1, 'ref', `${e.message}; a ref is <env>/<folder…>/<name> (letters, digits, . _ -)`);
    return;
  }
  const env = ref.split('/')[0]!;
  if (judge.environments && !judge.environments.includes(env)) {
    add(1, 'ref', `"${env}" is not an environment of keyfold.yaml (${judge.environments.join(', ')})`);
  }
}

/** S2: the file's key groups equal what one of the judging policies demands. */
function checkLayout(ref: string, text: string, meta: SopsMetadata, judge: SecretsJudge, add: Report): void {
  if (judge.policies.length === 0) return;
  const actual: RecipientLayout = { groups: meta.groups.map((g) => g.map((e) => e.recipient)), threshold: meta.threshold };
  const key = layoutKey(actual);
  const expected: RecipientLayout[] = [];
  for (const policy of judge.policies) {
    const layout = recipientLayout(policy, ref);
    if (layoutKey(layout) === key) return;
    expected.push(layout);
  }
  const naming = [...judge.policies, ...judge.namingPolicies];
  const sopsLine = lineOfText(text, /^sops:/m);
  for (const p of diffLayout(actual, expected[0]!, naming)) {
    const line = p.recipient && actual.groups.some((g) => g.includes(p.recipient!)) ? lineOfText(text, `recipient: ${p.recipient}`) : sopsLine;
    add(line, p.rule, p.message);
  }
}

/** Whether the document holds `key`: a top-level key, or a dotted path to a nested one. */
function hasKey(doc: Document, key: string): boolean {
  const root = doc.contents;
  if (!isMap(root)) return false;
  if ((root as YAMLMap).has(key)) return true;
  return key.includes('.') && doc.hasIn(key.split('.'));
}

/** Parity: under each parity glob, every environment has the same refs and top-level key names. */
function checkParity(files: readonly SecretFile[], judge: SecretsJudge): Violation[] {
  const out: Violation[] = [];
  if (judge.rules.parity.length === 0) return out;
  const envs = judge.environments ?? [...new Set(files.map((f) => f.ref.split('/')[0]!))].sort();
  // rest (ref without its environment) → env → file
  const byRest = new Map<string, Map<string, SecretFile>>();
  for (const f of files) {
    const [env, ...restParts] = f.ref.split('/');
    const rest = restParts.join('/');
    if (!env || !envs.includes(env) || !matchesAny(judge.rules.parity, rest)) continue;
    let m = byRest.get(rest);
    if (!m) byRest.set(rest, (m = new Map()));
    m.set(env, f);
  }
  for (const [rest, perEnv] of byRest) {
    const glob = judge.rules.parity.find((g) => matchesAny([g], rest))!;
    const missingEnvs = envs.filter((e) => !perEnv.has(e));
    const present = [...perEnv.keys()];
    for (const f of perEnv.values()) {
      if (missingEnvs.length > 0) {
        out.push({ file: f.file, line: 1, rule: 'parity', message: `${rest} exists in ${present.join(', ')} but not in ${missingEnvs.join(', ')} (parity: ${glob})` });
      }
      const others: string[] = [];
      for (const [env, g] of perEnv) {
        if (g === f || !g.parsed || !f.parsed) continue;
        for (const k of g.keys) if (!f.keys.includes(k)) others.push(`${printable(k)} (in ${env})`);
      }
      if (others.length > 0) {
        out.push({ file: f.file, line: 1, rule: 'parity', message: `missing keys that other environments have: ${[...new Set(others)].join(', ')} (parity: ${glob})` });
      }
    }
  }
  return out;
}

/** A key name for messages (key names are not secret, but may hold control characters). */
const printable = (s: string): string => printableNameCut(s, 120);

/** An error message without its leading `file:` / `file:line:` (the violation names both). */
function withoutFile(message: string, file: string): string {
  return message.startsWith(file) ? message.slice(file.length).replace(/^:(\d+:)?/, '').trim() : message;
}
