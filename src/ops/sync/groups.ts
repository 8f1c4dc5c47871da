/**
 * Targets per job of a CI matrix: one environment per group (so a job holds only that
 * environment's identity), at most GROUP_SIZE targets each, in the order given.
 * `sync --plan --json` prints them; the generated sync workflow fans out over them.
 */
export const GROUP_SIZE = 20;

export interface SyncGroup {
  env: string;
  targets: string[];
}

export function syncGroups(targets: ReadonlyArray<{ env: string; name: string }>): SyncGroup[] {
  const out: SyncGroup[] = [];
  for (const env of [...new Set(targets.map((t) => t.env))].sort()) {
    const names = targets.filter((t) => t.env === env).map((t) => t.name);
    for (let i = 0; i < names.length; i += GROUP_SIZE) out.push({ env, targets: names.slice(i, i + GROUP_SIZE) });
  }
  return out;
}
