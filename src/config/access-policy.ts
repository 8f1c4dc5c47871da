/** `policies/access.yaml`: members, roles, grants, break-glass (docs/access-policy.md). */
import { RECIPIENT_RE } from '../kernel/names.js';
import * as z from 'zod/mini';
import '../kernel/zod-locale.js';
import { NameSchema } from './keyfold-config.js';

export const ACCESS_FILE = 'policies/access.yaml';

export const RecipientSchema = z
  .string()
  .check(z.regex(RECIPIENT_RE, 'expected an age X25519 recipient (age1…, 62 characters)'));

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

export const POLICY_HINT = 'see docs/access-policy.md for the policy format';
