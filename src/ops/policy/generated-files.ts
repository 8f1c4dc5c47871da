/**
 * Files generated from the policy and keyfold.yaml — `.sops.yaml`, `.github/CODEOWNERS`
 * and the two keyfold workflows — rewritten whenever keyfold changes or applies the
 * policy, so they never drift (validate compares them with what is generated).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AccessPolicy } from '../../config/access-policy.js';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { CODEOWNERS_FILE, generateCodeowners } from '../../core/codeowners.js';
import { SOPS_CONFIG_FILE, generateSopsConfig } from '../../core/sops-config.js';
import { writeFileIfChanged } from '../../repo/atomic-write.js';
import { generateWorkflows } from '../init/workflow-templates.js';

/** Write the generated files that differ; returns the paths written. Call under the lock. */
export function writeGeneratedFiles(root: string, policy: AccessPolicy, config: KeyfoldConfig): string[] {
  const written: string[] = [];
  for (const [file, text] of [
    [SOPS_CONFIG_FILE, generateSopsConfig(policy, config)],
    [CODEOWNERS_FILE, generateCodeowners(policy, config)],
    ...generateWorkflows(config).map((w) => [w.file, w.text] as const),
  ]) {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    if (writeFileIfChanged(path, text)) written.push(file);
  }
  return written;
}
