/** `policies/access.yaml` from text: the schema (config/), then the cross-field rules (S3). */
import { ACCESS_FILE, AccessPolicySchema, POLICY_HINT, type AccessPolicy } from '../config/access-policy.js';
import { parseYamlConfig } from '../config/parse-yaml-config.js';
import { policyProblems, type PolicyProblem } from './policy.js';

export interface CheckedPolicy {
  policy: AccessPolicy;
  /** Cross-field problems (S3), each with its line. */
  problems: Array<PolicyProblem & { line: number }>;
}

/** Parse policies/access.yaml text; schema errors throw, cross-field problems are returned. */
export function checkAccessPolicy(text: string): CheckedPolicy {
  const loaded = parseYamlConfig(text, ACCESS_FILE, AccessPolicySchema, POLICY_HINT);
  return { policy: loaded.value, problems: policyProblems(loaded.value).map((p) => ({ ...p, line: loaded.lineOf(p.path) })) };
}
