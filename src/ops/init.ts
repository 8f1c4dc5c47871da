/** `init`: scaffold a minimal secrets repository (DESIGN §2). */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConflictError, UsageError } from '../core/errors.js';
import { ACCESS_FILE } from '../config/access-policy.js';
import { loadIdentities } from '../config/identities.js';
import { writeFileAtomic } from '../repo/atomic-write.js';
import { ensureGitRepo } from '../repo/git.js';
import { CONFIG_FILE, SECRETS_DIR } from '../repo/secrets-tree.js';
import { recipientArg } from './recipient-arg.js';
import type { GlobalOptions } from './workspace.js';

export interface InitOptions {
  dir?: string;
  admin?: string;
  recipient?: string;
  github?: string;
}

export interface InitResult {
  root: string;
  admin: string;
  recipient: string;
  gitInitialised: boolean;
  files: string[];
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export async function init(global: GlobalOptions, options: InitOptions): Promise<InitResult> {
  const root = resolve(global.cwd, options.dir ?? '.');
  if (existsSync(join(root, CONFIG_FILE))) {
    throw new ConflictError(`${root} is already a keyfold repository`, { hint: 'edit keyfold.yaml and policies/ instead' });
  }
  let recipient: string;
  if (options.recipient) {
    recipient = recipientArg(options.recipient, '--recipient');
  } else {
    const ids = loadIdentities({ files: global.identity, env: global.env });
    if (ids.length === 0) {
      throw new UsageError('no age identity found for the first admin', {
        hint: 'run `keyfold keygen -o ~/.config/sops/age/keys.txt` first, or pass --recipient age1…',
      });
    }
    recipient = ids[0]!.recipient;
  }
  const admin = options.admin ?? options.github ?? global.env['USER'] ?? 'admin';
  if (!NAME_RE.test(admin)) throw new UsageError(`invalid member name "${admin.slice(0, 60)}"`, { hint: 'use letters, digits, . _ -' });

  mkdirSync(join(root, SECRETS_DIR), { recursive: true });
  mkdirSync(join(root, 'policies'), { recursive: true });
  const files: Array<[string, string]> = [
    [CONFIG_FILE, KEYFOLD_YAML],
    [ACCESS_FILE, accessYaml(admin, recipient, options.github)],
    [`${SECRETS_DIR}/.gitkeep`, ''],
  ];
  for (const [rel, text] of files) {
    if (!existsSync(join(root, rel))) writeFileAtomic(join(root, rel), text);
  }
  const gitInitialised = await ensureGitRepo(root);
  return { root, admin, recipient, gitInitialised, files: files.map(([f]) => f) };
}

const KEYFOLD_YAML = `# keyfold configuration: environments, sync targets and services.
# A ref is secrets/<env>/<folder>/<name>.yaml without the extension.
environments: [dev, staging, prod]
targets: {}
services: {}
agents:
  allowed_envs: [dev]
`;

function accessYaml(admin: string, recipient: string, github?: string): string {
  const gh = github ? `, github: ${github}` : '';
  return `# Who can read and write which refs. The recipients of every file under secrets/
# are the members whose roles grant read on its ref.
members:
  ${admin}: { recipient: ${recipient}${gh} }
roles:
  admin: [${admin}]
grants:
  - { role: admin, read: ["**"], write: ["**"] }
`;
}
