/**
 * The files `keyfold init` writes besides the generated ones (docs/configuration.md): keyfold.yaml,
 * the default access policy with the access tiers of docs/access-policy.md, validation rules,
 * and .gitattributes. String templates, so that esbuild bundles them.
 */
import { DEFAULT_ACTION_REF } from './workflow-templates.js';

/**
 * Where editors find the JSON Schemas (yaml-language-server): the `schemas/` folder the
 * npm package ships, served by unpkg — pinned to the keyfold version that wrote the
 * file (`schemaBase(version)`); the schemas' own `$id` is the unpinned URL.
 */
export const SCHEMA_BASE_URL = 'https://unpkg.com/keyfold/schemas';
export const schemaBase = (version?: string) => (version ? `https://unpkg.com/keyfold@${version}/schemas` : SCHEMA_BASE_URL);

export const INIT_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export const INIT_AGENT_ENVS = ['dev'] as const;

const schemaLine = (name: 'keyfold' | 'access' | 'rules', version?: string) => `# yaml-language-server: $schema=${schemaBase(version)}/${name}.schema.json`;
const flow = (xs: readonly string[]) => `[${xs.join(', ')}]`;
const quoted = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

export interface CiTemplateOptions {
  /** `OWNER/REPO@SHA` of the keyfold action (default: keyfold's repository at a placeholder commit). */
  actionRef?: string;
  /** `npm`: the workflows install keyfold from the repository's lockfile instead of using the action. */
  install?: 'action' | 'npm';
}

/** keyfold.yaml's `ci:` block: how the generated workflows run keyfold. */
function ciBlock(o: CiTemplateOptions): string {
  const head = `# The CI workflows (.github/workflows/keyfold-*.yml) are generated from this file;
# \`keyfold recipients sync\` rewrites them, \`keyfold validate\` reports hand edits.`;
  if (o.install === 'npm') {
    return `${head}
# They install keyfold from this repository's package-lock.json (a vendored package).
ci:
  install: npm
  # Secrets of each GitHub environment that \`keyfold sync\` gets (targets' credentials), e.g.
  # sync_secrets: { prod: [KEYFOLD_GITHUB_TOKEN] }
`;
  }
  const ref = o.actionRef ?? DEFAULT_ACTION_REF;
  const pin = ref === DEFAULT_ACTION_REF ? '  # a placeholder: replace with the release you trust' : '';
  return `${head}
# They run the keyfold GitHub Action, pinned by commit (OWNER/REPO@<40-hex commit>).
ci:
  action: ${ref}${pin}
  # Secrets of each GitHub environment that \`keyfold sync\` gets (targets' credentials), e.g.
  # sync_secrets: { prod: [KEYFOLD_GITHUB_TOKEN] }
`;
}

export function keyfoldYamlTemplate(version?: string, ci: CiTemplateOptions = {}): string {
  return `${schemaLine('keyfold', version)}
# keyfold configuration: environments, sync targets and the services that consume
# secrets. A ref is a file under secrets/ without .yaml: <env>/<folder…>/<name>.
environments: ${flow(INIT_ENVIRONMENTS)}
# Each target belongs to one environment's data, e.g.
#   gh-api-prod: { type: github, repo: acme/api, environment: production }
#   api-dev-env: { type: dotenv, path: ../run/api.dev.env }
targets: {}
# A service imports ref globs (relative to each environment) and syncs to targets, e.g.
#   api:
#     imports: ["providers/**", "api/**"]
#     env: { DATABASE_URL: "\${api/db.URL}" }
#     targets: { prod: [gh-api-prod], dev: [api-dev-env] }
services: {}
# Where \`keyfold agent grant\` may hand out session credentials to AI agents.
agents:
  allowed_envs: ${flow(INIT_AGENT_ENVS)}
${ciBlock(ci)}`;
}

export interface AccessTemplateOptions {
  /** The keyfold version the schema comment pins. */
  version?: string;
  admin: string;
  recipient: string;
  github?: string;
}

/**
 * The default policy: the first admin is the only member; every access tier (docs/access-policy.md) has
 * its role and grants, with no members yet.
 */
export function accessYamlTemplate(o: AccessTemplateOptions): string {
  const gh = o.github ? `, github: ${o.github}` : '';
  const envs = INIT_ENVIRONMENTS;
  const ciRoles = envs.map((e) => `  ${`ci-${e}: []`.padEnd(25)}# ${e}'s CI identity (a machine): reads ${e} to sync and re-key it`).join('\n');
  const ciGrants = envs.map((e) => `  - { role: ci-${e}, read: ${quoted([`${e}/**`])} }`).join('\n');
  return `${schemaLine('access', o.version)}
# Who can read and write which refs. The recipients of every file under secrets/ are
# exactly the members whose roles grant read on its ref (\`keyfold recipients sync\`
# re-encrypts files when this changes); write is enforced at pull-request time by
# \`keyfold validate\` and by CODEOWNERS review. Agents and machines never write.
members:
  ${o.admin}: { recipient: ${o.recipient}${gh} }
roles:
  developer: []            # read dev and staging; write dev, and any environment's providers/ (write-only in prod)
  admin: [${o.admin}]
  agent: []                # AI coding agents: dev only, never prod (sessions: \`keyfold agent grant\`)
  agent-prod-readonly: []  # agent workloads such as cron jobs: named prod folders, read-only
${ciRoles}
grants:
  - { role: developer, read: ${quoted(['dev/**', 'staging/**'])}, write: ${quoted(['dev/**', '*/providers/**'])} }
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: agent, read: ${quoted(INIT_AGENT_ENVS.map((e) => `${e}/**`))} }
  - { role: agent-prod-readonly, read: ["prod/analytics/**"] }
${ciGrants}
# Break-glass: t of n custodians (members with no role) decrypt prod together.
# breakglass: { custodians: [dave, erin, frank], threshold: 2, read: ["prod/**"] }
`;
}

export function rulesYamlTemplate(version?: string): string {
  return `${schemaLine('rules', version)}
# Validation rules that \`keyfold validate\` checks besides the access policy.
# Secret names: upper snake case (keys ending in _unencrypted aside).
key_pattern: "^[A-Z][A-Z0-9_]*$"
# Ref glob → keys every matching file must hold, e.g. "prod/api/**": [DATABASE_URL]
required: {}
# Folder globs (relative to each environment) whose refs and key names must match
# across environments, e.g. ["providers/**"]
parity: []
# Ref glob → longest a value may stay unchanged, e.g. "prod/providers/**": 90d
max_age: {}
# Secret-scan findings that are expected: { path, pattern?, reason }
allow: []
`;
}

/** The lines keyfold needs in .gitattributes (the drivers come from `keyfold git install`). */
export const GITATTRIBUTES_LINES = [
  'secrets/** diff=keyfold merge=keyfold',
  '.sops.yaml linguist-generated=true',
  '.github/CODEOWNERS linguist-generated=true',
] as const;

export function gitattributesTemplate(): string {
  return `# keyfold: key-level diffs and merges of encrypted secrets. The drivers are configured
# per repository by \`keyfold git install\`; without them git falls back to plain text.
${GITATTRIBUTES_LINES[0]}
# Generated from policies/access.yaml: collapsed in GitHub's diff view.
${GITATTRIBUTES_LINES.slice(1).join('\n')}
`;
}

/** Appends the keyfold lines an existing .gitattributes lacks; undefined when none is missing. */
export function mergeGitattributes(existing: string): string | undefined {
  const have = new Set(existing.split(/\r?\n/).map((l) => l.trim().replace(/\s+/g, ' ')));
  const missing = GITATTRIBUTES_LINES.filter((l) => !have.has(l));
  if (missing.length === 0) return undefined;
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  return `${existing}${sep}\n# keyfold (see \`keyfold git install\`)\n${missing.join('\n')}\n`;
}
