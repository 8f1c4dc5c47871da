/**
 * The secret scan: private keys and provider credentials in files that should hold
 * none (everything tracked outside `secrets/`). Pure: text in, findings out. A finding
 * carries the matched text only wrapped in `Secret`, for the allow-list's `pattern`;
 * messages name the kind of secret and its line, never the text.
 */
import { matchesAny } from './policy.js';
import { Secret } from '../kernel/secret.js';

export interface SecretPattern {
  /** Stable id, e.g. `age-secret-key`. */
  kind: string;
  /** What it is, for messages (`an age secret key (AGE-SECRET-KEY-1…)`). */
  label: string;
  re: RegExp;
  /** Extra test on the match (e.g. enough entropy to be a real key). */
  accept?: (match: string) => boolean;
}

/** A token mixing letters and digits: real keys do, words joined by dashes rarely do. */
const mixed = (s: string): boolean => /[0-9]/.test(s) && /[A-Za-z]/.test(s);

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: 'age-secret-key', label: 'an age secret key (AGE-SECRET-KEY-1…)', re: /AGE-SECRET-KEY-1[0-9A-Z]{58}/g },
  {
    kind: 'private-key',
    label: 'a PEM private key (-----BEGIN … PRIVATE KEY-----)',
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  {
    kind: 'sk-api-key',
    label: 'an API key (sk-…, OpenAI/Anthropic/OpenRouter style)',
    re: /(?<![A-Za-z0-9_-])sk-(?:proj-|ant-(?:api\d\d-)?|or-v1-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}/g,
    accept: mixed,
  },
  { kind: 'github-token', label: 'a GitHub token (ghp_…, gho_…, ghs_…)', re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}/g },
  { kind: 'github-pat', label: 'a GitHub fine-grained token (github_pat_…)', re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,}/g },
  { kind: 'aws-access-key', label: 'an AWS access key id (AKIA…)', re: /(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])/g },
  { kind: 'slack-token', label: 'a Slack token (xox…-)', re: /(?<![A-Za-z0-9])xox[abprs]-[0-9A-Za-z-]{10,}/g, accept: mixed },
  { kind: 'stripe-key', label: 'a Stripe live key (sk_live_…)', re: /(?<![A-Za-z0-9])[rs]k_live_[0-9A-Za-z]{20,}/g },
  { kind: 'google-api-key', label: 'a Google API key (AIza…)', re: /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/g },
];

export interface ScanFinding {
  line: number;
  kind: string;
  label: string;
  /** The matched text: for allow-list patterns only, never for output. */
  match: Secret<string>;
}

/** Texts longer than this are not scanned (no source or config file is this big). */
export const MAX_SCAN_BYTES = 2 * 1024 * 1024;

/** Whether `bytes` look binary (a NUL in the first 8 KiB, as git decides). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Every secret-looking match in `text`, in order, with 1-based lines. */
export function scanText(text: string): ScanFinding[] {
  const found: Array<ScanFinding & { index: number }> = [];
  for (const p of SECRET_PATTERNS) {
    p.re.lastIndex = 0;
    for (const m of text.matchAll(p.re)) {
      if (p.accept && !p.accept(m[0])) continue;
      found.push({ index: m.index, line: 0, kind: p.kind, label: p.label, match: new Secret(m[0]) });
    }
  }
  if (found.length === 0) return [];
  found.sort((a, b) => a.index - b.index);
  // One pass over the text for line numbers.
  let line = 1;
  let pos = 0;
  for (const f of found) {
    for (; pos < f.index; pos++) if (text.charCodeAt(pos) === 10) line++;
    f.line = line;
  }
  return found.map(({ index: _index, ...f }) => f);
}

export interface AllowRule {
  path: string;
  pattern?: string;
}

/**
 * Whether an allow-list entry covers a finding: its `path` glob matches the file and
 * its `pattern` (when given) matches the matched text.
 */
export function isAllowed(allow: readonly AllowRule[], file: string, finding: ScanFinding): boolean {
  return allow.some((a) => matchesAny([a.path], file) && (a.pattern === undefined || new RegExp(a.pattern).test(finding.match.reveal())));
}
