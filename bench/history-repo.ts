/**
 * A generated git history for the audit benchmark: FILES encrypted files, then COMMITS
 * commits each changing one value of one file (as a stable-ciphertext rewrite does:
 * that value's ENC text, lastmodified and mac). Written with `git fast-import`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealSopsFile } from '../src/sops/seal.js';
import { generateIdentity, identityToRecipient } from '../src/crypto/age/index.js';
import { newDataKey, wrapDataKey } from '../src/crypto/data-key.js';
import { parseYaml } from '../src/formats/yaml.js';

const fakeEnc = (n: number) =>
  `ENC[AES256_GCM,data:${randomBytes(n).toString('base64')},iv:${randomBytes(32).toString('base64')},tag:${randomBytes(16).toString('base64')},type:str]`;

export function makeHistoryRepo(files: number, commits: number, values = 10): string {
  const root = mkdtempSync(join(tmpdir(), 'keyfold-history-'));
  const recipient = identityToRecipient(generateIdentity());
  writeFileSync(join(root, 'keyfold.yaml'), 'environments: [dev, staging, prod]\n');
  mkdirSync(join(root, 'policies'));
  writeFileSync(join(root, 'policies', 'access.yaml'), `members:\n  bench: { recipient: ${recipient} }\nroles:\n  admin: [bench]\ngrants:\n  - { role: admin, read: ["**"], write: ["**"] }\n`);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });

  const texts: string[] = [];
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    const lines = Array.from({ length: values }, (_, v) => `KEY_${v}: "value-${f}-${v}"`);
    const dataKey = newDataKey();
    texts.push(sealSopsFile(parseYaml(lines.join('\n') + '\n', 'bench'), { dataKey, groups: wrapDataKey(dataKey, [[recipient]], 1), threshold: 1 }, 'bench'));
    paths.push(`secrets/${['dev', 'staging', 'prod'][f % 3]}/folder${f % 20}/file${f}.yaml`);
  }
  const chunks: Buffer[] = [];
  const data = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    chunks.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n'));
  };
  let t = 1_700_000_000;
  const commit = (msg: string, changes: Array<[string, string]>) => {
    chunks.push(Buffer.from(`commit refs/heads/main\nauthor Bench <bench@example.com> ${t} +0000\ncommitter Bench <bench@example.com> ${t} +0000\n`));
    t += 60;
    data(msg);
    for (const [path, text] of changes) {
      chunks.push(Buffer.from(`M 100644 inline ${path}\n`));
      data(text);
    }
  };
  commit('initial secrets', paths.map((p, i) => [p, texts[i]!]));
  for (let c = 0; c < commits; c++) {
    const f = (c * 7919) % files;
    const key = `KEY_${c % values}`;
    texts[f] = texts[f]!
      .replace(new RegExp(`^${key}: ENC\\[[^\\]]+\\]$`, 'm'), `${key}: ${fakeEnc(24)}`)
      .replace(/lastmodified: "[^"]+"/, `lastmodified: "${new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}"`)
      .replace(/mac: ENC\[[^\]]+\]/, `mac: ${fakeEnc(128)}`);
    commit(`change ${key} (#${c + 1})`, [[paths[f]!, texts[f]!]]);
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: root, input: Buffer.concat(chunks), maxBuffer: 1 << 30 });
  execFileSync('git', ['checkout', '-q', '-f', 'main'], { cwd: root });
  return root;
}
