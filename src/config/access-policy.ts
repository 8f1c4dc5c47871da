/** `policies/access.yaml`: members, roles, grants, break-glass (DESIGN §4). */
import { join } from 'node:path';
import * as z from 'zod/mini';
import './zod-locale.js';
import { NameSchema } from './keyfold-config.js';
import { ConfigError, NotFoundError } from '../kernel/errors.js';
import { policyProblems, type PolicyProblem } from '../core/policy.js';
import { readTextFile } from '../repo/secrets-tree.js';
import { parseYamlConfig } from './parse-yaml-config.js';

export const ACCESS_FILE = 'policies/access.yaml';

export const RecipientSchema = z
  .string()
  .check(z.regex(/^age1[02-9ac-hj-np-z]{58}$/, 'expected an age X25519 recipient (age1…, 62 characters)'));

export const MemberSchema = z.strictObject({
  recipient: RecipientSchema,
  github: z.optional(z.string()),
  github_id: z.optional(z.number().check(z.int(), z.positive())),
  kind: z._default(z.enum(['human', 'machine', 'agent']), 'human'),
});
export type Member = z.infer<typeof MemberSchema>;

const Globs = z._default(z.array(z.string()), () => []);

export const GrantSchema = z.strictObject({ role: NameSchema, read: Globs, write: Globs });

export const AccessPolicySchema = z.strictObject({
  $schema: z.optional(z.string()),
  members: z._default(z.record(NameSchema, MemberSchema), () => ({})),
  roles: z._default(z.record(NameSchema, z.array(NameSchema)), () => ({})),
  grants: z._default(z.array(GrantSchema), () => []),
  breakglass: z.optional(
    z.strictObject({
      custodians: z.array(NameSchema).check(z.minLength(2)),
      threshold: z.number().check(z.int(), z.gte(2)),
      read: Globs,
    }),
  ),
});
export type AccessPolicy = z.infer<typeof AccessPolicySchema>;

const POLICY_HINT = 'see docs/access-policy.md for the policy format';

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

/** The policy of a repository, refusing one with cross-field problems. */
export function loadAccessPolicy(root: string): AccessPolicy {
  let text: string;
  try {
    text = readTextFile(join(root, ACCESS_FILE), ACCESS_FILE);
  } catch (e) {
    if (e instanceof NotFoundError) throw new NotFoundError(`${ACCESS_FILE} is missing`, { file: ACCESS_FILE, hint: POLICY_HINT });
    throw e;
  }
  const { policy, problems } = checkAccessPolicy(text);
  const first = problems[0];
  if (first) {
    throw new ConfigError(`${ACCESS_FILE}:${first.line}: ${first.path.join('.')}: ${first.message}`, { file: ACCESS_FILE, hint: POLICY_HINT });
  }
  return policy;
}
