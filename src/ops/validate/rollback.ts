/**
 * S5 for `validate --base`: no changed or added secrets file brings back an earlier
 * version of ANY file under secrets/ — its MAC or the ciphertext of a value (a revoked
 * key restored under a new name is a rollback too) — unless the base still holds it
 * somewhere (a rename or a copy); and no `lastmodified` goes backwards. One pass over
 * history: every blob ever committed under secrets/ is read once into an index.
 */
import { findRollbacks, indexVersions, versionFacts, type EarlierVersion, type VersionFacts } from '../../core/rollback.js';
import type { Violation } from '../../core/violation.js';
import { lineOfPath, lineOfText } from '../../formats/yaml-lines.js';
import { SECRETS_DIR } from '../../kernel/ref.js';
import { BlobReader } from '../../repo/git/blobs.js';
import { historicalBlobs, treeBlobs } from '../../repo/git/tree.js';
import type { SecretFile } from './secrets.js';

export interface RollbackInput {
  file: SecretFile;
  /** The same path's versions at the fork point and the base (when they exist and parse). */
  base: VersionFacts[];
}

export async function checkRollback(root: string, revs: readonly string[], inputs: readonly RollbackInput[]): Promise<Violation[]> {
  if (inputs.length === 0) return [];
  const blobs = new BlobReader(root);
  try {
    const history = await historicalBlobs(root, revs[revs.length - 1]!, SECRETS_DIR);
    const factsByBlob = new Map<string, VersionFacts | undefined>();
    await Promise.all(history.map(async (h) => factsByBlob.set(h.blob, versionFacts(await blobs.read(h.blob), h.path))));
    const earlier: EarlierVersion[] = history.flatMap((h) => {
      const facts = factsByBlob.get(h.blob);
      return facts ? [{ commit: h.commit, path: h.path, facts }] : [];
    });
    const index = indexVersions(earlier);
    // What the base (and the fork point) hold anywhere under secrets/ is current.
    const current = { macs: new Set<string>(), values: new Set<string>() };
    for (const rev of revs) {
      for (const { blob, path } of await treeBlobs(root, rev, SECRETS_DIR)) {
        if (!factsByBlob.has(blob)) factsByBlob.set(blob, versionFacts(await blobs.read(blob), path));
        const facts = factsByBlob.get(blob);
        if (!facts) continue;
        if (facts.mac) current.macs.add(facts.mac);
        for (const enc of facts.values.keys()) current.values.add(enc);
      }
    }
    const out: Violation[] = [];
    for (const { file, base: versions } of inputs) {
      const head = versionFacts(file.text!, file.file);
      if (!head) continue;
      // The same path's newest base version; values kept from either base version are not rollbacks.
      const newest = versions[versions.length - 1];
      const baseFacts: VersionFacts | undefined = newest && { ...newest, values: new Map(versions.flatMap((v) => [...v.values])) };
      for (const f of findRollbacks(head, baseFacts, index, current, file.file)) {
        const line =
          f.kind === 'mac' ? lineOfText(file.text!, /^[ \t]+mac:/m) : f.kind === 'lastmodified' ? lineOfText(file.text!, /^[ \t]+lastmodified:/m) : lineOfPath(file.text!, keyPath(f.name!));
        out.push({ file: file.file, line, rule: 'rollback', message: f.message });
      }
    }
    return out;
  } finally {
    blobs.close();
  }
}

/** `a.b[2]` → ['a', 'b', 2] */
function keyPath(name: string): Array<string | number> {
  return name.split('.').flatMap((seg) => {
    const m = /^(.*?)((?:\[\d+\])*)$/.exec(seg)!;
    return [m[1]!, ...[...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
  });
}
