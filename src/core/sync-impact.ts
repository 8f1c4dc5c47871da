/**
 * What merging a change to some refs syncs: the services that import a changed ref (in
 * its environment) and the targets those services sync to there. Names only — nothing
 * is decrypted to know it. Computed by ops/sync/impact.ts with the sync engine's own
 * target resolution; rendered here for the PR comment and `propose`'s PR body.
 */
import { count } from '../kernel/names.js';

export interface ImpactService {
  service: string;
  env: string;
  /** The changed refs it imports. */
  refs: string[];
  /** Its targets in `env` (none: nothing to sync). */
  targets: string[];
}

export interface ImpactTarget {
  target: string;
  type: string;
  env: string;
  /** The services behind it that import a changed ref. */
  services: string[];
}

export interface SyncImpact {
  services: ImpactService[];
  targets: ImpactTarget[];
  /** Why the targets could not be resolved (an invalid keyfold.yaml): shown instead of them. */
  problem?: string;
}

/** `14 k8s, 6 dotenv, 1 github`: targets per type, most first. */
export function targetCounts(targets: readonly ImpactTarget[]): Array<{ type: string; count: number }> {
  const counts = new Map<string, number>();
  for (const t of targets) counts.set(t.type, (counts.get(t.type) ?? 0) + 1);
  return [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
}

const MAX_ROWS = 50;

/**
 * The "Sync on merge" section (Markdown lines, heading included). `code` renders a
 * name as inline code (the caller's escaping); `level` is the heading's `#` count.
 */
export function renderSyncImpact(impact: SyncImpact, code: (s: string) => string, level = 4): string[] {
  const out = [`${'#'.repeat(level)} Sync on merge`, ''];
  if (impact.problem !== undefined) {
    out.push(`The targets could not be resolved: ${code(impact.problem)}`, '');
    return out;
  }
  const services = new Set(impact.services.map((s) => s.service));
  if (impact.targets.length === 0) {
    out.push(services.size === 0 ? 'No service imports the changed secrets: a merge syncs nothing.' : `Imported by ${count(services.size, 'service')} with no targets in that environment: a merge syncs nothing.`, '');
    return out;
  }
  const types = targetCounts(impact.targets)
    .map((c) => `${c.count} ${code(c.type)}`)
    .join(', ');
  out.push(`A merge makes \`keyfold sync\` update ${count(impact.targets.length, 'target')} (${types}) of ${count(services.size, 'service')} — names only, nothing was decrypted to tell:`, '');
  out.push('| target | type | environment | services |', '|---|---|---|---|');
  for (const t of impact.targets.slice(0, MAX_ROWS)) out.push(`| ${code(t.target)} | ${code(t.type)} | ${code(t.env)} | ${t.services.map(code).join(', ')} |`);
  if (impact.targets.length > MAX_ROWS) out.push('', `…and ${impact.targets.length - MAX_ROWS} more targets.`);
  out.push('');
  return out;
}
