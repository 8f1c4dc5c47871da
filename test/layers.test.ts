/**
 * The layers of src/ (docs/architecture.md): imports go downward only, no cycle between
 * folders, and each heavy dependency has one owner. The checker runs on the real tree,
 * and on small synthetic trees to prove it fails when a rule is broken.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

/** Rank of each top folder: a module may import its own folder or a lower rank only. */
export const RANKS: Record<string, number> = {
  kernel: 0,
  crypto: 1,
  formats: 1,
  sops: 2,
  config: 3,
  core: 4,
  repo: 5,
  net: 5,
  keys: 6,
  targets: 6,
  rotators: 6,
  ops: 7,
  cli: 8,
};

/** Packages (and node modules) and the only folders (or files) that may import them. */
export const OWNERS: Record<string, string[]> = {
  yaml: ['formats/', 'sops/', 'config/', 'core/', 'repo/', 'ops/'],
  '@octokit/rest': ['targets/github/'],
  '@aws-sdk/client-secrets-manager': ['targets/aws-secrets-manager/'],
  'libsodium-wrappers': ['targets/github/'],
  commander: ['cli/'],
  pg: ['rotators/postgres/'],
  // Processes: git only through repo/git/run.ts; the editor and user programs in their ops.
  'node:child_process': ['repo/git/run.ts', 'ops/secrets/edit.ts', 'ops/run/'],
};

/** Folder used for cycle detection: the top folder, or its sub-folder (ops/audit, repo/git). */
function unit(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

export interface ImportEdge {
  from: string;
  /** Project-relative path (for relative imports) or a package name. */
  to: string;
  relative: boolean;
  /** `import type …`: erased at run time, so no cycle through it (a plugin naming its interface). */
  typeOnly?: boolean;
}

export function checkLayers(edges: ImportEdge[]): string[] {
  const problems: string[] = [];
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const fromTop = e.from.split('/')[0]!;
    if (!e.relative) {
      const owners = OWNERS[e.to];
      if (owners && !owners.some((o) => (o.endsWith('/') ? e.from.startsWith(o) : e.from === o))) {
        problems.push(`${e.from}: imports ${e.to}, owned by ${owners.join(', ')}`);
      }
      continue;
    }
    const toTop = e.to.split('/')[0]!;
    const a = RANKS[fromTop];
    const b = RANKS[toTop];
    if (a === undefined || b === undefined) {
      problems.push(`${e.from}: folder ${a === undefined ? fromTop : toTop} has no layer (add it to docs/architecture.md and RANKS)`);
      continue;
    }
    if (fromTop !== toTop && b >= a) problems.push(`${e.from}: imports ${e.to} (${toTop} is not below ${fromTop})`);
    const u = unit(e.from);
    const v = unit(e.to);
    if (u !== v && !e.typeOnly) {
      if (!graph.has(u)) graph.set(u, new Set());
      graph.get(u)!.add(v);
    }
  }
  for (const cycle of folderCycles(graph)) problems.push(`folder cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** Every elementary cycle found by a DFS (one per back edge), as folder lists. */
function folderCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of [...(graph.get(n) ?? [])].sort()) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s(type\s)?(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = (m[2] ?? m[3])!;
    if (spec.startsWith('.')) {
      const to = relative(SRC, resolve(dirname(join(SRC, file)), spec)).replace(/\.js$/, '.ts');
      edges.push({ from: file, to, relative: true, typeOnly: m[1] !== undefined });
    } else {
      edges.push({ from: file, to: spec, relative: false });
    }
  }
  return edges;
}

function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testdata') out.push(...sourceFiles(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(relative(SRC, p));
  }
  return out.sort();
}

describe('layers', () => {
  it('src/ imports only downward, has no folder cycle, and each heavy dependency has its owner', () => {
    const edges = sourceFiles().flatMap((f) => importsOf(f, readFileSync(join(SRC, f), 'utf8')));
    expect(edges.length).toBeGreaterThan(200);
    expect(checkLayers(edges)).toEqual([]);
  });

  it('kernel/ imports nothing from the project', () => {
    const kernel = sourceFiles().filter((f) => f.startsWith('kernel/'));
    expect(kernel.length).toBeGreaterThan(0);
    for (const f of kernel) {
      const rel = importsOf(f, readFileSync(join(SRC, f), 'utf8')).filter((e) => e.relative && !e.to.startsWith('kernel/'));
      expect(rel, f).toEqual([]);
    }
  });

  it('fails on an upward import', () => {
    const edges = importsOf('crypto/aes-gcm.ts', "import { parseSopsFile } from '../sops/file.js';");
    expect(checkLayers(edges)).toEqual(['crypto/aes-gcm.ts: imports sops/file.ts (sops is not below crypto)']);
  });

  it('fails on an import between folders of the same rank', () => {
    expect(checkLayers(importsOf('keys/identities.ts', "import type { Target } from '../targets/target.js';"))).toHaveLength(1);
  });

  it('fails on a cycle between folders, even within one layer', () => {
    const edges = [
      ...importsOf('ops/audit/log.ts', "import { x } from '../policy/access.js';"),
      ...importsOf('ops/policy/access.ts', "export { y } from '../audit/log.js';"),
    ];
    expect(checkLayers(edges)).toEqual(['folder cycle: ops/audit -> ops/policy -> ops/audit']);
  });

  it('fails when a heavy dependency is imported outside its owner, statically or lazily', () => {
    expect(checkLayers(importsOf('cli/commands/show.ts', "import { parseDocument } from 'yaml';"))).toHaveLength(1);
    expect(checkLayers(importsOf('ops/audit/log.ts', "const { spawn } = await import('node:child_process');"))).toHaveLength(1);
    expect(checkLayers(importsOf('repo/git/run.ts', "import { spawn } from 'node:child_process';"))).toEqual([]);
  });

  it('a type-only import makes no cycle (a plugin naming its interface), a value import does', () => {
    const plugin = importsOf('targets/dotenv/dotenv.ts', "import type { TargetType } from '../target.js';");
    const registry = importsOf('targets/registry.ts', "import { dotenvTarget } from './dotenv/dotenv.js';");
    expect(checkLayers([...plugin, ...registry])).toEqual([]);
    const valueImport = importsOf('targets/dotenv/dotenv.ts', "import { createHttp } from '../http.js';");
    expect(checkLayers([...valueImport, ...registry])).toEqual(['folder cycle: targets -> targets/dotenv -> targets']);
  });

  it('fails on a folder that has no layer', () => {
    expect(checkLayers(importsOf('utils/misc.ts', "import { x } from '../kernel/errors.js';"))).toHaveLength(1);
  });
});
