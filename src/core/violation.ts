/** What `keyfold validate` reports: one violation per problem, with a stable rule id. Pure. */

/** Stable rule ids (documented in docs/validation.md; CI annotations use them as titles). */
export const RULES = [
  'sops-format',
  'plaintext-value',
  'recipients',
  'key-groups',
  'ref',
  'key-name',
  'required-key',
  'parity',
  'max-age',
  'policy',
  'config',
  'codeowners',
  'sops-config',
  'secret-scan',
  'plaintext-output',
  'write-access',
  'control-plane',
  'author',
  'rollback',
  'service-shadowing',
  'service-reference',
  'service-env',
] as const;
export type RuleId = (typeof RULES)[number];

export interface Violation {
  /** Repository-relative POSIX path. */
  file: string;
  /** 1-based; 1 when the problem is about the file as a whole. */
  line: number;
  rule: RuleId;
  /** One line; names keys, refs, members and recipients — never a value. */
  message: string;
}

/** Sorted by file, line, rule and message, without duplicates. */
export function normalizeViolations(violations: readonly Violation[]): Violation[] {
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const v of violations) {
    const clean = { ...v, line: Math.max(1, v.line), message: v.message.replace(/\s*[\r\n]+\s*/g, ' ') };
    const key = `${clean.file}\0${clean.line}\0${clean.rule}\0${clean.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(clean);
    }
  }
  return out.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || cmp(a.rule, b.rule) || cmp(a.message, b.message));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `file:line: rule: message` */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: ${v.rule}: ${v.message}`;
}

/** A GitHub Actions error annotation (workflow command, values escaped). */
export function githubAnnotation(v: Violation): string {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::error file=${prop(v.file)},line=${v.line},title=${prop(v.rule)}::${data(v.message)}`;
}
