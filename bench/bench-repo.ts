/** A generated secrets repository for benchmarks: FILES files × VALUES values. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealSopsFile } from '../src/sops/seal.js';
import { generateIdentity, identityToRecipient } from '../src/crypto/age/index.js';
import { newDataKey, wrapDataKey } from '../src/crypto/data-key.js';
import { parseYaml } from '../src/formats/yaml.js';
import { parseKeyfoldConfig } from '../src/config/keyfold-config.js';
import { writeGeneratedFiles } from '../src/ops/policy/generated-files.js';
import { checkAccessPolicy } from '../src/core/policy-check.js';

export interface BenchRepo {
  root: string;
  identity: string;
  identityFile: string;
}

/** Files encrypted to three recipients (the bench identity among them). */
export function makeBenchRepo(files: number, values: number, root = mkdtempSync(join(tmpdir(), 'keyfold-bench-'))): BenchRepo {
  const identity = generateIdentity();
  const recipient = identityToRecipient(identity);
  const others = [generateIdentity(), generateIdentity()].map(identityToRecipient);
  const identityFile = join(root, 'bench.key');
  writeFileSync(identityFile, identity + '\n', { mode: 0o600 });
  writeFileSync(join(root, 'keyfold.yaml'), 'environments: [dev, staging, prod]\n');
  mkdirSync(join(root, 'policies'), { recursive: true });
  // All three recipients are admins, so every file matches the policy.
  writeFileSync(
    join(root, 'policies', 'access.yaml'),
    [
      'members:',
      `  bench: { recipient: ${recipient} }`,
      ...others.map((r, i) => `  other${i}: { recipient: ${r} }`),
      'roles:',
      `  admin: [bench, ${others.map((_, i) => `other${i}`).join(', ')}]`,
      'grants:',
      '  - { role: admin, read: ["**"], write: ["**"] }',
      '',
    ].join('\n'),
  );
  writeFileSync(join(root, '.gitignore'), 'bench.key\n');
  // The files validate expects to be generated from the policy.
  const policy = checkAccessPolicy(readFileSync(join(root, 'policies', 'access.yaml'), 'utf8')).policy;
  writeGeneratedFiles(root, policy, parseKeyfoldConfig(readFileSync(join(root, 'keyfold.yaml'), 'utf8')));
  const envs = ['dev', 'staging', 'prod'];
  for (let f = 0; f < files; f++) {
    const env = envs[f % 3]!;
    const dir = join(root, 'secrets', env, `folder${f % 25}`);
    mkdirSync(dir, { recursive: true });
    const lines: string[] = [];
    for (let v = 0; v < values; v++) lines.push(`KEY_${v}: "value-${f}-${v}-${'x'.repeat(24)}"`);
    const plain = parseYaml(lines.join('\n') + '\n', 'bench');
    const dataKey = newDataKey();
    const text = sealSopsFile(plain, { dataKey, groups: wrapDataKey(dataKey, [[recipient, ...others]], 1), threshold: 1 }, 'bench');
    writeFileSync(join(dir, `file${f}.yaml`), text);
  }
  return { root, identity, identityFile };
}
