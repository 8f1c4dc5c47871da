/** `policies/access.yaml`: members, roles, grants, break-glass (DESIGN §4). */
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../core/zod-locale.js';
import { NameSchema } from './keyfold-config.js';
import { loadYamlConfig } from './load-yaml-config.js';

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

export function loadAccessPolicy(root: string): AccessPolicy {
  return loadYamlConfig(join(root, ACCESS_FILE), ACCESS_FILE, AccessPolicySchema, 'see docs/access-policy.md for the policy format');
}

/** Every member's recipient, sorted (the recipients of new files until per-role policy). */
export function allRecipients(policy: AccessPolicy): string[] {
  return [...new Set(Object.values(policy.members).map((m) => m.recipient))].sort();
}
