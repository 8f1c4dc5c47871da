/** `keyfold.yaml`: environments, sync targets, services, agent settings (DESIGN §2). */
import { join } from 'node:path';
import { z } from 'zod';
import { CONFIG_FILE } from '../repo/secrets-tree.js';
import { loadYamlConfig } from './load-yaml-config.js';

const NameSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'use letters, digits, . _ -');

export const TargetSchema = z.object({ type: z.string().min(1) }).passthrough();

export const ServiceSchema = z
  .object({
    imports: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    targets: z.record(z.string(), z.array(z.string())).default({}),
    overrides: z.array(z.string()).default([]),
  })
  .strict();

export const KeyfoldConfigSchema = z
  .object({
    $schema: z.string().optional(),
    environments: z.array(NameSchema).min(1, 'list at least one environment'),
    targets: z.record(NameSchema, TargetSchema).default({}),
    services: z.record(NameSchema, ServiceSchema).default({}),
    agents: z.object({ allowed_envs: z.array(z.string()).default([]) }).strict().default({ allowed_envs: [] }),
  })
  .strict();
export type KeyfoldConfig = z.infer<typeof KeyfoldConfigSchema>;

export function loadKeyfoldConfig(root: string): KeyfoldConfig {
  return loadYamlConfig(join(root, CONFIG_FILE), CONFIG_FILE, KeyfoldConfigSchema, 'see docs/configuration.md for the keyfold.yaml format');
}
