/**
 * `validate --summary`: gathers what the PR comment shows — services importing each
 * changed ref, the targets a merge syncs (names only), and the reviewers the base
 * branch's CODEOWNERS demands — and renders it.
 */
import { join, resolve } from 'node:path';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { CODEOWNERS_FILE } from '../../core/codeowners.js';
import { ownersOf, parseCodeowners } from '../../core/codeowners-match.js';
import { matchesAny } from '../../core/policy.js';
import { renderSummary, type SummaryRef } from '../../core/pr-summary.js';
import type { Violation } from '../../core/violation.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readAtRevisions } from '../../repo/git/blobs.js';
import { listRefFiles, readTextFile } from '../../repo/secrets-tree.js';
import { syncImpact } from '../sync/impact.js';
import type { ChangedFile } from './changes.js';
import { unopenableFiles } from '../rekey/trust.js';

export interface SummaryContext {
  root: string;
  /** The base commit, whose CODEOWNERS branch protection applies; the work tree's without one. */
  baseCommit?: string;
  config?: KeyfoldConfig;
  violations: readonly Violation[];
  changed: readonly ChangedFile[];
  authors: readonly string[];
}

export async function buildSummary(ctx: SummaryContext): Promise<string> {
  const codeowners = await readCodeowners(ctx.root, ctx.baseCommit);
  const rules = codeowners === undefined ? [] : parseCodeowners(codeowners);
  const reviewers = new Map<string, string[]>();
  for (const c of ctx.changed) {
    const owners = ownersOf(rules, c.file).join(' ');
    if (!owners) continue;
    const list = reviewers.get(owners) ?? [];
    list.push(c.file);
    reviewers.set(owners, list);
  }
  const refs: SummaryRef[] = ctx.changed
    .filter((c) => c.ref !== undefined)
    .map((c) => ({
      file: c.file,
      ref: c.ref!,
      status: c.status,
      keys: c.keys,
      reencrypted: c.reencrypted,
      writeOnly: c.writeOnly,
      recipientsChanged: c.recipientsChanged,
      services: servicesImporting(ctx.config, c.ref!),
    }));
  const changedRefs = refs.map((r) => r.ref);
  const sync = ctx.config && changedRefs.length > 0 ? syncImpact(ctx.config, changedRefs, listRefFiles(ctx.root).map((e) => e.ref)) : undefined;
  return renderSummary({
    violations: ctx.violations,
    refs,
    sync,
    otherFiles: ctx.changed.filter((c) => c.ref === undefined).map((c) => ({ file: c.file, status: c.status })),
    reviewers,
    hasCodeowners: codeowners !== undefined,
    authors: ctx.authors,
    unopenable: await unopenableFiles(ctx.root, ctx.config?.environments ?? []),
  });
}

/** Services whose imports (globs relative to the environment) cover the ref, with that environment's targets. */
function servicesImporting(config: KeyfoldConfig | undefined, ref: string): Array<{ name: string; targets: string[] }> {
  if (!config) return [];
  const [env, ...rest] = ref.split('/');
  const relative = rest.join('/');
  return Object.entries(config.services)
    .filter(([, s]) => matchesAny(s.imports, relative))
    .map(([name, s]) => ({ name, targets: s.targets[env!] ?? [] }));
}

async function readCodeowners(root: string, baseCommit: string | undefined): Promise<string | undefined> {
  if (baseCommit) return (await readAtRevisions(root, [{ rev: baseCommit, path: CODEOWNERS_FILE }]))[0]?.toString('utf8');
  try {
    return readTextFile(join(root, CODEOWNERS_FILE), CODEOWNERS_FILE);
  } catch {
    return undefined;
  }
}

/** Write the summary Markdown (atomically) to `file`, relative to `cwd`. */
export function writeSummary(cwd: string, file: string, markdown: string): void {
  writeFileAtomic(resolve(cwd, file), markdown);
}
