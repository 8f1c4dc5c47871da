/** `keyfold.yaml`: environments, sync targets, services, agent settings (DESIGN §2). */
import { NAME_RE, NAME_HINT } from '../kernel/names.js';
import * as z from 'zod/mini';
import '../kernel/zod-locale.js';
import { parseYamlConfig } from './parse-yaml-config.js';

export const CONFIG_FILE = 'keyfold.yaml';

export const NameSchema = z.string().check(z.regex(NAME_RE, NAME_HINT));

export const TargetSchema = z.looseObject({ type: z.string().check(z.minLength(1)) });

export const ServiceSchema = z.strictObject({
  imports: z._default(z.array(z.string()), () => []),
  env: z._default(z.record(z.string(), z.string()), () => ({})),
  targets: z._default(z.record(z.string(), z.array(z.string())), () => ({})),
  overrides: z._default(z.array(z.string()), () => []),
  /** Variable names of `env:` this service may set although they change how programs start (rare; reviewed). */
  allow_env: z._default(z.array(z.string()), () => []),
});

export const KeyfoldConfigSchema = z.strictObject({
  $schema: z.optional(z.string()),
  environments: z.array(NameSchema).check(z.minLength(1, 'list at least one environment')),
  targets: z._default(z.record(NameSchema, TargetSchema), () => ({})),
  services: z._default(z.record(NameSchema, ServiceSchema), () => ({})),
  agents: z._default(z.strictObject({ allowed_envs: z._default(z.array(z.string()), () => []) }), () => ({ allowed_envs: [] })),
});
export type KeyfoldConfig = z.infer<typeof KeyfoldConfigSchema>;

export const CONFIG_HINT = 'see docs/configuration.md for the keyfold.yaml format';

/** keyfold.yaml from text (e.g. at a git revision). */
export function parseKeyfoldConfig(text: string): KeyfoldConfig {
  return parseYamlConfig(text, CONFIG_FILE, KeyfoldConfigSchema, CONFIG_HINT).value;
}
