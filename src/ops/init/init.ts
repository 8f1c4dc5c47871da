/** `init`: scaffold a secrets repository with the whole repository layout (README, Repository layout). */
import { assertName, GITHUB_LOGIN_RE } from '../../kernel/names.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConflictError, InternalError, UsageError } from '../../kernel/errors.js';
import { ACCESS_FILE } from '../../config/access-policy.js';
import { ACTION_REF_RE, parseKeyfoldConfig, CONFIG_FILE } from '../../config/keyfold-config.js';
import { RULES_FILE } from '../../config/rules.js';
import { loadIdentities } from '../../keys/identities.js';
import { CODEOWNERS_FILE, generateCodeowners } from '../../core/codeowners.js';
import { SOPS_CONFIG_FILE, generateSopsConfig } from '../../core/sops-config.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { ensureGitRepo } from '../../repo/git/init.js';
import { accessYamlTemplate, gitattributesTemplate, keyfoldYamlTemplate, mergeGitattributes, rulesYamlTemplate } from './templates.js';
import { recipientArg } from '../../keys/recipient-arg.js';
import { DEFAULT_ACTION_REF, generateWorkflows } from './workflow-templates.js';
import { DEFAULT_BRANCH } from './workflow-parts.js';
import type { GlobalOptions } from '../context/workspace.js';
import { SECRETS_DIR } from '../../kernel/ref.js';
import { checkAccessPolicy } from '../../core/policy-check.js';

export interface InitOptions {
  dir?: string;
  admin?: string;
  recipient?: string;
  github?: string;
  /** `OWNER/REPO@SHA`: the keyfold action the workflows use (recorded as ci.action). */
  actionRef?: string;
  /** `npm`: the workflows install keyfold from the repository's lockfile (ci.install). */
  install?: 'action' | 'npm';
}

export interface InitResult {
  root: string;
  admin: string;
  recipient: string;
  gitInitialised: boolean;
  /** Files written (created, or for .gitattributes completed), repository-relative. */
  files: string[];
  /** Files that already existed and were left as they are. */
  kept: string[];
  /** How the workflows run keyfold: the action's ref, or `npm`. */
  ci: { install: 'action' | 'npm'; actionRef?: string; placeholder: boolean };
}

export const GITATTRIBUTES_FILE = '.gitattributes';


/** A file of the scaffold: its text, or how to complete an existing one. */
interface ScaffoldFile {
  path: string;
  text: string;
  merge?: (existing: string) => string | undefined;
}

/**
 * Every file of a new repository, from the first admin. Pure; the policy it writes is
 * checked like any other (schema and cross-field rules) before anything is generated
 * from it.
 */
export function scaffoldFiles(o: { admin: string; recipient: string; github?: string; version?: string; actionRef?: string; install?: 'action' | 'npm' }): ScaffoldFile[] {
  const config = keyfoldYamlTemplate(o.version, { actionRef: o.actionRef, install: o.install });
  const access = accessYamlTemplate(o);
  const checked = checkAccessPolicy(access);
  if (checked.problems.length > 0) throw new InternalError(`the default policy has problems: ${checked.problems[0]!.message}`);
  const parsedConfig = parseKeyfoldConfig(config);
  return [
    { path: CONFIG_FILE, text: config },
    { path: ACCESS_FILE, text: access },
    { path: RULES_FILE, text: rulesYamlTemplate(o.version) },
    { path: `${SECRETS_DIR}/.gitkeep`, text: '' },
    { path: SOPS_CONFIG_FILE, text: generateSopsConfig(checked.policy, parsedConfig) },
    { path: GITATTRIBUTES_FILE, text: gitattributesTemplate(), merge: mergeGitattributes },
    { path: CODEOWNERS_FILE, text: generateCodeowners(checked.policy, parsedConfig) },
    ...generateWorkflows(parsedConfig).map((w) => ({ path: w.file, text: w.text })),
  ];
}

export async function init(global: GlobalOptions, options: InitOptions): Promise<InitResult> {
  const root = resolve(global.cwd, options.dir ?? '.');
  if (existsSync(join(root, CONFIG_FILE))) {
    throw new ConflictError(`${root} is already a keyfold repository`, { hint: 'edit keyfold.yaml and policies/ instead' });
  }
  if (options.github !== undefined && !GITHUB_LOGIN_RE.test(options.github)) {
    throw new UsageError(`invalid GitHub login "${options.github.slice(0, 60)}"`, { hint: 'a login has letters, digits and single hyphens, at most 39 characters' });
  }
  let recipient: string;
  if (options.recipient) {
    recipient = recipientArg(options.recipient, '--recipient');
  } else {
    const ids = loadIdentities({ files: global.identity, env: global.env });
    if (ids.length === 0) {
      throw new UsageError('no age identity found for the first admin', {
        hint: 'run `keyfold keygen -o ~/.config/sops/age/keys.txt` first (outside the repository), or pass --identity FILE or --recipient age1…',
      });
    }
    recipient = ids[0]!.recipient;
  }
  if (options.actionRef !== undefined && (!ACTION_REF_RE.test(options.actionRef) || options.actionRef === './')) {
    throw new UsageError('--action-ref must be OWNER/REPO@<40-hex commit>', { hint: 'pin the keyfold action by the full commit of the release you trust' });
  }
  if (options.actionRef !== undefined && options.install === 'npm') throw new UsageError('--action-ref and --install npm exclude each other');
  const admin = options.admin ?? options.github ?? global.env['USER'] ?? 'admin';
  assertName(admin, 'member name');

  const files: string[] = [];
  const kept: string[] = [];
  for (const f of scaffoldFiles({ admin, recipient, github: options.github, version: global.version, actionRef: options.actionRef, install: options.install })) {
    const path = join(root, f.path);
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) {
      writeFileAtomic(path, f.text);
      files.push(f.path);
      continue;
    }
    const merged = f.merge?.(readFileSync(path, 'utf8'));
    if (merged !== undefined) {
      writeFileAtomic(path, merged);
      files.push(f.path);
    } else kept.push(f.path);
  }
  // The scaffold's workflows run on the default branch: a new repository starts on it.
  const gitInitialised = await ensureGitRepo(root, DEFAULT_BRANCH);
  const install = options.install ?? 'action';
  const actionRef = install === 'action' ? (options.actionRef ?? DEFAULT_ACTION_REF) : undefined;
  return { root, admin, recipient, gitInitialised, files, kept, ci: { install, ...(actionRef ? { actionRef } : {}), placeholder: actionRef === DEFAULT_ACTION_REF } };
}
