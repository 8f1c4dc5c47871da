/**
 * `github` target: GitHub Actions secrets of a repository, of one of its environments,
 * or of an organization. One secret per name, sealed (libsodium `crypto_box_seal`)
 * against the scope's public key; GitHub never returns values, so a full compare relies
 * on the sync state's fingerprints. The token comes from GITHUB_TOKEN (else GH_TOKEN).
 *
 * This module holds the config schema and the name rules (loaded with the target
 * registry); the client (`client.ts`: octokit, libsodium) is imported only when a
 * driver first reads or applies, so no other command pays for it.
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { GITHUB_LOGIN_RE } from '../../kernel/names.js';
import { apiUrlProblem } from '../../net/api-url.js';
import type { TargetType } from '../target.js';

const REPO_NAME_RE = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
// Environment names: up to 255 characters, no control characters (they are URL-encoded in paths).
// eslint-disable-next-line no-control-regex
const ENVIRONMENT_RE = /^[^\u0000-\u001f\u007f]{1,255}$/;

export const GitHubSchema = z
  .strictObject({
    type: z.literal('github'),
    /** OWNER/NAME: repository secrets (with `environment`: that environment's secrets). */
    repo: z.optional(
      z.string().check(
        z.refine((s) => {
          const [owner, name, ...rest] = s.split('/');
          return rest.length === 0 && GITHUB_LOGIN_RE.test(owner ?? '') && REPO_NAME_RE.test(name ?? '');
        }, 'expected OWNER/NAME (a GitHub repository)'),
      ),
    ),
    environment: z.optional(z.string().check(z.regex(ENVIRONMENT_RE, 'expected a GitHub environment name (1–255 characters)'))),
    /** An organization: organization secrets. */
    org: z.optional(z.string().check(z.regex(GITHUB_LOGIN_RE, 'expected a GitHub organization name'))),
    visibility: z.optional(z.enum(['all', 'private', 'selected'])),
    selected_repositories: z.optional(z.array(z.string().check(z.regex(REPO_NAME_RE, 'expected a repository name of the organization'))).check(z.minLength(1))),
    /** The REST API root (GitHub Enterprise Server: https://HOST/api/v3). */
    api_url: z.optional(
      z.string().check(
        z.refine((s) => /^https?:\/\/[^\s/]+/.test(s) && URL.canParse(s), { message: 'expected an http(s) URL', abort: true }),
        z.refine((u) => apiUrlProblem(u) === undefined, 'an https:// URL without credentials (plain http only to 127.0.0.1 or localhost): the token is sent there'),
      ),
    ),
  })
  .check(
    z.superRefine((c, ctx) => {
      const issue = (path: string, message: string) => ctx.issues.push({ code: 'custom', message, path: [path], input: c });
      if ((c.repo === undefined) === (c.org === undefined)) issue(c.repo === undefined ? 'repo' : 'org', 'give exactly one of repo (OWNER/NAME) and org');
      if (c.environment !== undefined && c.repo === undefined) issue('environment', 'environment secrets need repo: OWNER/NAME');
      if (c.repo !== undefined) {
        if (c.visibility !== undefined) issue('visibility', 'visibility applies to organization secrets (org:) only');
        if (c.selected_repositories !== undefined) issue('selected_repositories', 'selected_repositories applies to organization secrets (org:) only');
      }
      if (c.org !== undefined && (c.visibility === 'selected') !== (c.selected_repositories !== undefined)) {
        issue('selected_repositories', c.visibility === 'selected' ? 'visibility selected needs selected_repositories' : 'selected_repositories needs visibility: selected');
      }
    }),
  );
export type GitHubConfig = z.infer<typeof GitHubSchema>;

export const DEFAULT_API_URL = 'https://api.github.com';

/** GitHub's secret-name rules (GitHub also stores names upper-cased, so keyfold asks for upper case). */
export function githubNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_]+$/.test(name)) return 'GitHub secret names hold only letters, digits and underscores';
  if (/^[0-9]/.test(name)) return 'GitHub secret names cannot start with a digit';
  if (/^GITHUB_/i.test(name)) return 'GitHub reserves names starting with GITHUB_';
  if (name !== name.toUpperCase()) return `GitHub stores secret names upper-cased (it would hold ${name.toUpperCase()}): use upper-case key names`;
  return undefined;
}

/** `github repo acme/api, environment production` / `github org acme (private)`, plus the host when not github.com. */
export function describeGitHub(c: GitHubConfig): string {
  const where = c.repo !== undefined ? `github repo ${c.repo}${c.environment !== undefined ? `, environment ${c.environment}` : ''}` : `github org ${c.org} (${c.visibility ?? 'private'})`;
  return c.api_url !== undefined && c.api_url !== DEFAULT_API_URL ? `${where} at ${new URL(c.api_url).host}` : where;
}

export const githubTarget: TargetType<typeof GitHubSchema> = {
  type: 'github',
  schema: GitHubSchema,
  nameProblem: githubNameProblem,
  create(_name, config, ctx) {
    let client: ReturnType<typeof open> | undefined;
    const open = async () => (await import('./client.js')).openGitHub(config, ctx);
    const get = () => (client ??= open());
    return {
      description: describeGitHub(config),
      readsValues: false,
      read: async () => (await get()).read(),
      apply: async (changes) => (await get()).apply(changes),
    };
  },
};
