/**
 * `validate`: everything CI checks, without any identity (nothing is decrypted).
 *
 * Without `--base`, the work tree is checked against its own policy. With `--base REV`,
 * it is judged with the base commit's policy, keyfold.yaml and rules (S3), the change
 * since the base must be allowed to every author (S4), and nothing may roll back (S5).
 * Returns data; the CLI prints it.
 */
import { envName } from '../../kernel/names.js';
import { isAdmin, resolveAuthor } from '../../core/change-authorization.js';
import type { AccessPolicy } from '../../config/access-policy.js';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { serviceProblems, type RefNames } from '../../core/service-imports.js';
import { lineOfPath } from '../../formats/yaml-lines.js';
import { KeyfoldError, UsageError } from '../../kernel/errors.js';
import { normalizeViolations, type Violation } from '../../core/violation.js';
import { readAtRevisions } from '../../repo/git/blobs.js';
import { requireCommit } from '../../repo/git/refs.js';
import { isWorkTree, trackedFiles } from '../../repo/git/tree.js';
import { checkMaxAge } from './age.js';
import { checkChanges, type ChangedFile } from './changes.js';
import { CONTROL_FILES, checkControl, checkRotationState, readControlTexts, type ControlState, type ControlTexts } from './control.js';
import { checkGeneratedFiles } from './generated.js';
import { checkPlaintextOutputs, scanTrackedFiles } from './scan.js';
import { checkSecretFiles, type SecretFile } from './secrets.js';
import { buildSummary } from './summary.js';
import { targetNameProblems } from './target-names.js';
import type { Workspace } from '../context/workspace.js';

export interface ValidateOptions {
  /** `--base REV` */
  base?: string;
  /** `--author LOGIN` values (else the caller passes GITHUB_ACTOR). */
  authors?: string[];
  /** Also render the PR comment. */
  summary?: boolean;
  now?: Date;
}

export interface ValidateResult {
  ok: boolean;
  violations: Violation[];
  changed: ChangedFile[];
  /** Files checked under secrets/. */
  files: number;
  /** The Markdown PR comment, when asked for. */
  summary?: string;
}

export async function validate(ws: Workspace, options: ValidateOptions = {}): Promise<ValidateResult> {
  const root = ws.root;
  if (!(await isWorkTree(root))) {
    throw new KeyfoldError(`${root} is not a git work tree`, { hint: 'validate reads git (tracked files, history); run it in the secrets repository' });
  }
  const authors = (options.authors ?? []).filter((a) => a.trim() !== '');
  if (options.base === undefined && authors.length > 0) throw new UsageError('--author needs --base', { hint: 'authors are judged against the change since the base' });
  if (options.base !== undefined && authors.length === 0) {
    throw new UsageError('validate --base needs the change\'s authors', { hint: 'pass --author LOGIN (repeatable), or set GITHUB_ACTOR' });
  }

  // git runs while the secrets tree is parsed.
  const trackedPromise = trackedFiles(root);
  trackedPromise.catch(() => undefined);
  const violations: Violation[] = [];
  const headRead = readControlTexts(root);
  violations.push(...headRead.violations);
  const head = checkControl(headRead.texts, 'head');
  violations.push(...head.violations);

  const baseCommit = options.base === undefined ? undefined : await requireCommit(root, options.base);
  const base = baseCommit === undefined ? undefined : await readBaseControl(root, baseCommit);
  if (base) violations.push(...base.violations);

  // What the work tree is judged with (S3): the base's files when given. A change made
  // only by admins may also bring the work tree to its own (new) policy.
  const judge = base ?? head;
  const allAdmins = base?.policy !== undefined && authors.every((a) => isAdminAuthor(base.policy!, a));
  const defined = <T>(xs: Array<T | undefined>): T[] => xs.filter((x): x is T => x !== undefined);
  const policies = defined([judge.policy, allAdmins ? head.policy : undefined]);
  const namingPolicies = defined([head.policy]);

  const secrets = await checkSecretFiles(root, { policies, namingPolicies, environments: judge.config?.environments, rules: judge.rules }, ws.options.env);
  violations.push(...secrets.violations);

  const pair = (s: ControlState) => (s.policy && s.config ? { policy: s.policy, config: s.config } : undefined);
  const sources = defined([pair(judge), allAdmins ? pair(head) : undefined]);
  violations.push(...checkGeneratedFiles(root, { sources, describe: base ? "the base commit's policy" : 'the policy' }));

  if (head.config) violations.push(...checkServices(head.config, secrets.files, headRead.texts['keyfold.yaml'] ?? ''));
  violations.push(...checkRotationState(root, head.config));

  const tracked = await trackedPromise;
  violations.push(...scanTrackedFiles(root, tracked, judge.rules.allow));
  if (head.config) violations.push(...(await checkPlaintextOutputs(root, head.config, headRead.texts['keyfold.yaml'])));
  violations.push(...(await checkMaxAge(root, secrets.files, judge.rules, options.now ?? new Date())));

  let changed: ChangedFile[] = [];
  if (baseCommit !== undefined) {
    const headFiles = new Map<string, SecretFile>(secrets.files.map((f) => [f.file, f]));
    const result = await checkChanges({ root, base: baseCommit, basePolicy: base?.policy, headPolicy: head.policy, authors, headFiles });
    changed = result.changed;
    violations.push(...result.violations);
  }

  const sorted = normalizeViolations(violations);
  const result: ValidateResult = { ok: sorted.length === 0, violations: sorted, changed, files: secrets.files.length };
  if (options.summary) {
    result.summary = await buildSummary({ root, baseCommit, config: head.config ?? judge.config, violations: sorted, changed, authors });
  }
  return result;
}

/** The base commit's control files, parsed (S3). */
async function readBaseControl(root: string, commit: string): Promise<ControlState> {
  const blobs = await readAtRevisions(root, CONTROL_FILES.map((path) => ({ rev: commit, path })));
  const texts: ControlTexts = {};
  CONTROL_FILES.forEach((f, i) => {
    if (blobs[i]) texts[f] = blobs[i].toString('utf8');
  });
  return checkControl(texts, 'base');
}

/** Services' imports and `${…}` references against the refs that exist (docs/configuration.md), and names their targets cannot hold. */
function checkServices(config: KeyfoldConfig, files: SecretFile[], configText: string): Violation[] {
  const names: RefNames = new Map();
  for (const f of files) {
    if (!f.parsed) continue;
    const leaves = f.leaves;
    names.set(f.ref, { names: leaves.map(envName), paths: leaves.map((p) => p.join('.')) });
  }
  return [
    ...serviceProblems(config, names).map((p) => ({ file: 'keyfold.yaml', line: lineOfPath(configText, p.path), rule: p.rule, message: p.message })),
    ...targetNameProblems(config, names).map((p): Violation => ({ file: 'keyfold.yaml', line: lineOfPath(configText, p.path), rule: 'config', message: p.message })),
  ];
}

function isAdminAuthor(policy: AccessPolicy, author: string): boolean {
  const member = resolveAuthor(policy, author);
  return member !== undefined && isAdmin(policy, member);
}
