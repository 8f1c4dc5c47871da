/**
 * keyfold's own root is also an example secrets repository (docs/configuration.md). This writes its
 * generated files from its policy, as `keyfold init` would: .sops.yaml, CODEOWNERS, the
 * three keyfold workflows, and the keyfold lines of .gitattributes (and policies/rules.yaml
 * when missing).
 *
 *   npx tsx scripts/gen-example.ts           writes them
 *   npx tsx scripts/gen-example.ts --check   exits 1 when one is stale
 *
 * test/init.test.ts fails when the committed files differ from this output.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES_FILE } from '../src/config/rules.js';
import { CODEOWNERS_FILE, generateCodeowners } from '../src/core/codeowners.js';
import { SOPS_CONFIG_FILE, generateSopsConfig } from '../src/core/sops-config.js';
import { gitattributesTemplate, mergeGitattributes, rulesYamlTemplate } from '../src/ops/init/templates.js';
import { generateWorkflows } from '../src/ops/init/workflow-templates.js';
import { loadAccessPolicy, loadKeyfoldConfig } from '../src/repo/control-files.js';

export const ROOT = resolve(import.meta.dirname, '..');

/*
 * The workflows come from keyfold.yaml like any repository's: here `ci.action: ./` (the
 * keyfold action at this repository's root, i.e. the committed action/dist bundle), and
 * `ci.only_if_variable: KEYFOLD_EXAMPLE_WORKFLOWS`, because the example's members are
 * demo identities.
 */

export interface ExampleFile {
  path: string;
  /** The full text, or (with `merge`) what to write when the file is missing. */
  text: string;
  /** Completes an existing file; undefined when nothing is missing. */
  merge?: (existing: string) => string | undefined;
  /** Written only when missing (a file people edit). */
  ifMissing?: boolean;
}

export function exampleFiles(root = ROOT): ExampleFile[] {
  const policy = loadAccessPolicy(root);
  const config = loadKeyfoldConfig(root);
  return [
    { path: SOPS_CONFIG_FILE, text: generateSopsConfig(policy, config) },
    { path: CODEOWNERS_FILE, text: generateCodeowners(policy, config) },
    ...generateWorkflows(config).map((w) => ({ path: w.file, text: w.text })),
    { path: '.gitattributes', text: gitattributesTemplate(), merge: mergeGitattributes },
    { path: RULES_FILE, text: rulesYamlTemplate(), ifMissing: true },
  ];
}

/** The new text of a file, or undefined when it is up to date. */
export function pendingText(f: ExampleFile, root = ROOT): string | undefined {
  const path = join(root, f.path);
  if (!existsSync(path)) return f.text;
  if (f.ifMissing) return undefined;
  const current = readFileSync(path, 'utf8');
  if (f.merge) return f.merge(current);
  return current === f.text ? undefined : f.text;
}

function main(check: boolean): number {
  let stale = 0;
  for (const f of exampleFiles()) {
    const text = pendingText(f);
    if (text === undefined) continue;
    if (check) {
      console.error(`${f.path} is stale; run npx tsx scripts/gen-example.ts`);
      stale++;
      continue;
    }
    mkdirSync(dirname(join(ROOT, f.path)), { recursive: true });
    writeFileSync(join(ROOT, f.path), text);
    console.log(`wrote ${f.path}`);
  }
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.includes('--check'));
}
