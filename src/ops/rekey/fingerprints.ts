/**
 * Envelope fingerprints (S6): a hash of a file's envelopes — recipient and wrapped data
 * key of every key group, and the threshold — never of its values, so rewriting a value
 * under the same data key keeps the fingerprint.
 */
import { createHash } from 'node:crypto';
import { repoPathToRef, SECRETS_DIR } from '../../kernel/ref.js';
import { parseSopsFile } from '../../sops/file.js';
import type { SopsMetadata } from '../../sops/metadata.js';
import { readAtRevisions } from '../../repo/git/blobs.js';
import { treeBlobs } from '../../repo/git/tree.js';
import { scanRefTexts } from '../../repo/secrets-tree.js';

/** Fingerprint of a file's envelopes (not values: rewriting a value keeps the data key). */
export function metaFingerprint(meta: Pick<SopsMetadata, 'groups' | 'threshold'>): string {
  const h = createHash('sha256');
  for (const g of meta.groups) for (const e of g) h.update(e.recipient).update('\0').update(e.enc).update('\0');
  return h.update(String(meta.threshold)).digest('hex');
}

export function envelopeFingerprint(text: string, file: string): string {
  return metaFingerprint(parseSopsFile(text, file, { strict: false, readOnly: true }).meta);
}

/**
 * The fingerprints of the working tree's files of `env` (every environment without one).
 * A file that cannot be read or parsed is left out: it is neither trusted nor re-keyed
 * (recipients sync reports it as skipped).
 */
export function currentFingerprints(root: string, env: string | undefined): Map<string, string> {
  return new Map(scanRefTexts(root, env, (e) => [e.ref, envelopeFingerprint(e.text, e.display)] as const).refs);
}

/** The fingerprints of the files of `env` at a commit; files that do not parse are left out (untrusted). */
export async function fingerprintsAt(root: string, commit: string, env: string | undefined): Promise<Map<string, string>> {
  const files = (await treeBlobs(root, commit, env ? `${SECRETS_DIR}/${env}` : SECRETS_DIR)).flatMap((b) => {
    const ref = repoPathToRef(b.path);
    return ref === undefined ? [] : [{ ...b, ref }];
  });
  const texts = await readAtRevisions(root, files.map((f) => ({ rev: commit, path: `./${f.path}` })));
  const out = new Map<string, string>();
  files.forEach((f, i) => {
    const text = texts[i];
    if (text === undefined) return;
    try {
      out.set(f.ref, envelopeFingerprint(text.toString('utf8'), f.path));
    } catch {
      /* not a file keyfold can read: not trusted */
    }
  });
  return out;
}
