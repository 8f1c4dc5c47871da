/** `policies/access.yaml`: members, roles, grants, break-glass (DESIGN §4). */
import { join } from 'node:path';
import { z } from 'zod';
import { loadYamlConfig } from './load-yaml-config.js';

export const ACCESS_FILE = 'policies/access.yaml';

const NameSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'use letters, digits, . _ -');
export const RecipientSchema = z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/, 'expected an age X25519 recipient (age1…, 62 characters)');

export const MemberSchema = z
  .object({
    recipient: RecipientSchema,
    github: z.string().optional(),
    github_id: z.number().int().positive().optional(),
    kind: z.enum(['human', 'machine', 'agent']).default('human'),
  })
  .strict();
export type Member = z.infer<typeof MemberSchema>;

export const GrantSchema = z
  .object({
    role: NameSchema,
    read: z.array(z.string()).default([]),
    write: z.array(z.string()).default([]),
  })
  .strict();

export const AccessPolicySchema = z
  .object({
    $schema: z.string().optional(),
    members: z.record(NameSchema, MemberSchema).default({}),
    roles: z.record(NameSchema, z.array(NameSchema)).default({}),
    grants: z.array(GrantSchema).default([]),
    breakglass: z
      .object({
        custodians: z.array(NameSchema).min(2),
        threshold: z.number().int().min(2),
        read: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AccessPolicy = z.infer<typeof AccessPolicySchema>;

export function loadAccessPolicy(root: string): AccessPolicy {
  return loadYamlConfig(join(root, ACCESS_FILE), ACCESS_FILE, AccessPolicySchema, 'see docs/access-policy.md for the policy format');
}

/** Every member's recipient, sorted (the recipients of new files until per-role policy). */
export function allRecipients(policy: AccessPolicy): string[] {
  return [...new Set(Object.values(policy.members).map((m) => m.recipient))].sort();
}
