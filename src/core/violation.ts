/** What `keyfold validate` reports: one violation per problem, with a stable rule id. Pure. */
import { printableName, printableText } from '../kernel/names.js';

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
  'workflows',
  'secret-scan',
  'plaintext-output',
  'write-access',
  'control-plane',
  'author',
  'rollback',
  'service-shadowing',
  'service-reference',
  'service-env',
  'rotation-state',
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

/**
 * `file:line: rule: message`, one line whatever the file and message hold: control
 * characters escaped, so a path or key name cannot start a line of its own (an
 * `::error` workflow command in a CI log) or reach the terminal as an escape sequence.
 */
export function formatViolation(v: Violation): string {
  return `${printableName(v.file)}:${v.line}: ${v.rule}: ${printableName(v.message)}`;
}

/**
 * A GitHub Actions error annotation. Workflow commands are parsed by the runner from
 * each line of output: the data (after `::`) has `%`, CR and LF escaped, and the
 * properties also `:` and `,` (GitHub's toolkit escapeData/escapeProperty), so nothing
 * in a path or message can end the command, add a property or start another one.
 * Control characters are escaped first, as in every text output.
 */
export function githubAnnotation(v: Violation): string {
  return `::error file=${annotationProperty(v.file)},line=${v.line},title=${annotationProperty(v.rule)}::${annotationData(v.message)}`;
}

/** The message: line breaks as GitHub's `%0A`, other control characters escaped. */
export function annotationData(s: string): string {
  return escapeData(printableText(s));
}

/** A property (file, title): every control character escaped, then GitHub's escaping. */
export function annotationProperty(s: string): string {
  return escapeData(printableName(s)).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
