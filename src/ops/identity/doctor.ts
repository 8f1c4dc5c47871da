/**
 * `doctor`: a health check a newcomer can run first. Each check reports ok, warn or
 * fail with the advice to fix it; nothing is changed and no value is decrypted
 * (access is judged from the files' recipients).
 */
import { isKeyfoldError } from '../../kernel/errors.js';
import { findOnPath } from '../../kernel/path-search.js';
import { count, plural } from '../../kernel/names.js';
import { refEnv } from '../../kernel/ref.js';
import { identitySources } from '../../keys/identities.js';
import { defaultKeyFile } from '../../keys/sources/default-file.js';
import { scanRefTexts } from '../../repo/secrets-tree.js';
import { parseSopsFile } from '../../sops/file.js';
import { isWorkTree } from '../../repo/git/tree.js';
import { checkGeneratedFiles } from '../validate/generated.js';
import type { Workspace } from '../context/workspace.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  check: string;
  status: CheckStatus;
  message: string;
  hint?: string;
}


const fromError = (check: string, e: unknown): DoctorCheck => {
  if (!isKeyfoldError(e)) throw e;
  return { check, status: 'fail', message: e.message, hint: e.hint };
};

export async function doctor(ws: Workspace): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const env = ws.options.env;

  // Identities.
  let recipients = new Set<string>();
  try {
    const sources = identitySources({ files: ws.options.identity, env });
    recipients = new Set(sources.flatMap((s) => s.identities.map((i) => i.recipient)));
    if (sources.length === 0) {
      checks.push({ check: 'identity', status: 'warn', message: 'no age identity found', hint: `create one with \`keyfold keygen -o ${defaultKeyFile(env)}\`, or set KEYFOLD_AGE_KEY_FILE` });
    } else {
      for (const s of sources) checks.push({ check: 'identity', status: 'ok', message: `${s.name} (${s.kind}): ${s.identities.length} ${plural(s.identities.length, 'identity', 'identities')}` });
    }
  } catch (e) {
    checks.push(fromError('identity', e));
  }

  // Repository, configuration and policy.
  let root: string;
  try {
    root = ws.root;
    checks.push({ check: 'repository', status: 'ok', message: root });
  } catch (e) {
    checks.push(fromError('repository', e));
    return checks;
  }
  let config;
  let policy;
  try {
    config = await ws.config();
    checks.push({ check: 'config', status: 'ok', message: `keyfold.yaml: ${count(config.environments.length, 'environment')}, ${count(Object.keys(config.services).length, 'service')}, ${count(Object.keys(config.targets).length, 'target')}` });
  } catch (e) {
    checks.push(fromError('config', e));
  }
  try {
    policy = await ws.policy();
    const mine = Object.entries(policy.members).filter(([, m]) => recipients.has(m.recipient)).map(([n]) => n);
    checks.push({ check: 'policy', status: 'ok', message: `policies/access.yaml: ${count(Object.keys(policy.members).length, 'member')}` });
    if (recipients.size > 0) {
      checks.push(
        mine.length > 0
          ? { check: 'member', status: 'ok', message: `you are ${mine.join(', ')}` }
          : { check: 'member', status: 'warn', message: 'none of your identities is a member of the policy', hint: 'ask an admin to add you: `keyfold member add NAME --recipient age1…` (print yours with `keyfold whoami`)' },
      );
    }
  } catch (e) {
    checks.push(fromError('policy', e));
  }

  // What you can open, per environment (from the files' recipients; nothing decrypted).
  try {
    const perEnv = new Map<string, { total: number; readable: number }>();
    const scan = scanRefTexts(root);
    for (const skipped of scan.skipped) checks.push({ check: 'secrets', status: 'fail', message: `${skipped.file}: ${skipped.message}`, hint: 'restore or rename it (`keyfold validate` names the problem)' });
    for (const f of scan.refs) {
      const e = perEnv.get(refEnv(f.ref)) ?? { total: 0, readable: 0 };
      perEnv.set(refEnv(f.ref), e);
      e.total++;
      try {
        const meta = parseSopsFile(f.text, f.display, { strict: true, readOnly: true }).meta;
        const opened = meta.groups.filter((g) => g.some((env) => recipients.has(env.recipient))).length;
        if (opened >= (meta.groups.length > 1 ? meta.threshold : 1)) e.readable++;
      } catch (err) {
        checks.push(fromError('secrets', err));
      }
    }
    for (const [name, e] of [...perEnv].sort(([a], [b]) => a.localeCompare(b))) {
      checks.push({ check: 'environment', status: 'ok', message: `${name}: you can open ${e.readable} of ${e.total} files` });
    }
  } catch (e) {
    checks.push(fromError('secrets', e));
  }

  // Generated files.
  if (config && policy) {
    const stale = checkGeneratedFiles(root, { sources: [{ policy, config }], describe: 'the policy' });
    checks.push(
      stale.length === 0
        ? { check: 'generated', status: 'ok', message: '.sops.yaml, CODEOWNERS and the keyfold workflows match the policy and keyfold.yaml' }
        : { check: 'generated', status: 'warn', message: `${stale.map((v) => `${v.file}${v.line > 1 ? ` (from line ${v.line})` : ''}`).join(', ')} differ from what the policy generates`, hint: 'run `keyfold recipients sync` to regenerate them' },
    );
  }

  // Git and tools.
  checks.push(
    (await isWorkTree(root))
      ? { check: 'git', status: 'ok', message: 'inside a git work tree' }
      : { check: 'git', status: 'fail', message: `${root} is not in a git work tree`, hint: 'keyfold keeps history in git: run `git init`' },
  );
  const age = findOnPath('age', env['PATH'] ?? '');
  checks.push(age ? { check: 'age', status: 'ok', message: `age CLI: ${age}` } : { check: 'age', status: 'warn', message: 'the age CLI is not on PATH (keyfold does not need it; plain `sops` and `age` users do)' });
  return checks;
}
