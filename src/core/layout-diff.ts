/**
 * S2: a file's key-group structure against the one the policy demands, in both
 * directions — extra and missing recipients (named by member when the policy knows
 * them), the number of groups, the threshold, and how recipients are spread over the
 * groups. Pure.
 */
import { RECIPIENT_RE } from '../kernel/names.js';
import type { AccessPolicy } from '../config/access-policy.js';
import { layoutKey, uniqueSorted, type RecipientLayout } from './policy.js';

export interface LayoutProblem {
  rule: 'recipients' | 'key-groups';
  message: string;
  /** The recipient a recipients problem is about (to locate its line). */
  recipient?: string;
}


/** A recipient for messages: the member's name when known; a label from the file only when well-formed. */
export function describeRecipient(recipient: string, policies: readonly AccessPolicy[]): string {
  for (const p of policies) {
    const name = Object.entries(p.members).find(([, m]) => m.recipient === recipient)?.[0];
    if (name) return `${name} (${recipient})`;
  }
  return RECIPIENT_RE.test(recipient) ? `${recipient} (not a member)` : 'a malformed recipient label';
}

/**
 * What differs between `actual` and `expected`; empty when they are equal as
 * `layoutKey` compares them. `policies` name the recipients (first match wins).
 */
export function diffLayout(actual: RecipientLayout, expected: RecipientLayout, policies: readonly AccessPolicy[]): LayoutProblem[] {
  if (layoutKey(actual) === layoutKey(expected)) return [];
  const problems: LayoutProblem[] = [];
  const all = (l: RecipientLayout) => new Set(l.groups.flat());
  const have = all(actual);
  const want = all(expected);
  for (const r of uniqueSorted([...have])) {
    if (!want.has(r)) problems.push({ rule: 'recipients', recipient: r, message: `recipient not allowed by the policy: ${describeRecipient(r, policies)}` });
  }
  for (const r of uniqueSorted([...want])) {
    if (!have.has(r)) problems.push({ rule: 'recipients', recipient: r, message: `missing recipient required by the policy: ${describeRecipient(r, policies)}` });
  }
  const shape = (l: RecipientLayout) =>
    l.groups.length > 1 ? `${l.groups.length} key groups with threshold ${l.threshold}` : '1 key group';
  if (actual.groups.length !== expected.groups.length || (expected.groups.length > 1 && actual.threshold !== expected.threshold)) {
    problems.push({ rule: 'key-groups', message: `has ${shape(actual)}; the policy demands ${shape(expected)}` });
  } else if (problems.length === 0) {
    // Same recipients and shape, spread differently (e.g. a custodian in every group can read alone).
    problems.push({ rule: 'key-groups', message: 'recipients are spread over the key groups differently than the policy demands (break-glass custodians each in exactly one group)' });
  }
  return problems;
}
