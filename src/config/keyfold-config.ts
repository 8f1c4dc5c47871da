/** `keyfold.yaml`: environments, sync targets, services, agent settings (docs/configuration.md). */
import { NAME_RE, NAME_HINT } from '../kernel/names.js';
import * as z from 'zod/mini';
import '../kernel/zod-locale.js';
import { parseYamlConfig } from './parse-yaml-config.js';
import { DurationSchema } from './rules.js';
import { ZERO_DURATION_RE } from '../kernel/duration.js';
import { CONFIG_FILE } from '../kernel/ref.js';

// The name lives in kernel/ (repo/ finds the root by it without loading the schema).
export { CONFIG_FILE };

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

/** A credential rotated by a rotator (`rotation run`). */
export const RotationSchema = z.strictObject({
  ref: z.string().check(z.minLength(3)),
  key: z.string().check(z.minLength(1)),
  rotator: z.string().check(z.minLength(1)),
  /** Due when the key's value is older than this (from git history). */
  every: DurationSchema,
  /** The old credential is revoked this long after the new one is synced everywhere. */
  grace: z._default(z.union([DurationSchema, z.string().check(z.regex(ZERO_DURATION_RE))]), '1h'),
  /** The rotator's own settings. */
  with: z._default(z.record(z.string(), z.unknown()), () => ({})),
});
/** `OWNER/REPO[/PATH]@<commit>`, or `./`: the keyfold action at the repository's root. */
export const ACTION_REF_RE = /^(?:\.\/|[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*@[0-9a-f]{40})$/;
const BRANCH_RE = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/;
const VARIABLE_RE = /^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/i;

/** How the generated workflows (.github/workflows/keyfold-*.yml) run keyfold. */
export const CiSchema = z.strictObject({
  /** `action` (default): the keyfold GitHub Action pinned by `action`; `npm`: the package from the repository's lockfile. */
  install: z.optional(z.enum(['action', 'npm'])),
  action: z.optional(z.string().check(z.regex(ACTION_REF_RE, 'OWNER/REPO@<40-hex commit> (pinned by commit), or ./'))),
  branch: z.optional(z.string().check(z.regex(BRANCH_RE, 'a branch name'))),
  only_if_variable: z.optional(z.string().check(z.regex(VARIABLE_RE, 'a repository variable name'))),
  /** Environment → names of that GitHub environment's secrets passed to `keyfold sync` (targets' credentials). */
  sync_secrets: z.optional(z.record(NameSchema, z.array(z.string().check(z.regex(VARIABLE_RE, 'a secret name (not GITHUB_…)'))))),
});
export type CiConfig = z.infer<typeof CiSchema>;

export const KeyfoldConfigSchema = z.strictObject({
  $schema: z.optional(z.string()),
  environments: z.array(NameSchema).check(z.minLength(1, 'list at least one environment')),
  targets: z._default(z.record(NameSchema, TargetSchema), () => ({})),
  services: z._default(z.record(NameSchema, ServiceSchema), () => ({})),
  agents: z._default(z.strictObject({ allowed_envs: z._default(z.array(z.string()), () => []) }), () => ({ allowed_envs: [] })),
  /** The secrets repository on GitHub, for `propose` (pull requests from the CLI). */
  github: z.optional(z.strictObject({ repo: z.string().check(z.regex(/^[\w.-]+\/[\w.-]+$/, 'expected OWNER/NAME')), api_url: z.optional(z.string()) })),
  rotation: z._default(z.record(NameSchema, RotationSchema), () => ({})),
  /** How `rotation run` delivers a rotation: a commit on the current branch, or a pull request (`propose`). */
  rotation_mode: z._default(z.enum(['commit', 'pr']), 'commit'),
  ci: z.optional(CiSchema),
});
export type KeyfoldConfig = z.infer<typeof KeyfoldConfigSchema>;

export const CONFIG_HINT = 'see docs/configuration.md for the keyfold.yaml format';

/** keyfold.yaml from text (e.g. at a git revision). */
export function parseKeyfoldConfig(text: string): KeyfoldConfig {
  return parseYamlConfig(text, CONFIG_FILE, KeyfoldConfigSchema, CONFIG_HINT).value;
}
