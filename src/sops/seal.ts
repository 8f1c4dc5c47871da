/**
 * Sealing a SOPS file: the one place a plaintext document becomes the text of an
 * encrypted file, in any sops format (its store in `formats/stores` writes it). The
 * keying (which data key, which envelopes, which ciphertexts to keep) comes in as
 * data; see `Keying`. No I/O: writing is the caller's (ops/secrets/store.ts).
 */
import type { Document } from 'yaml';
import { newDataKey, wrapDataKey, type AgeEnvelope } from '../crypto/data-key.js';
import { FormatError, UsageError } from '../kernel/errors.js';
import { MAX_FILE_BYTES } from '../kernel/limits.js';
import { sopsStore, type Indent, type SopsFormat } from '../formats/stores/registry.js';
import { emitSopsMetadata, nextLastModified, SOPS_VERSION, DEFAULT_UNENCRYPTED_SUFFIX, type SopsMetadata } from './metadata.js';
import type { CipherCache } from './cipher-cache.js';
import { encryptTree } from './encrypt-tree.js';
import type { OpenedSopsFile } from './file.js';

/**
 * Who may read a file: `age1…` recipients per key group, and how many groups recover
 * the data key (ignored for one group). core's `RecipientLayout` has this shape.
 */
export interface RecipientGroups {
  groups: string[][];
  threshold: number;
}

/** How a document is keyed when sealed. */
export type Keying =
  /**
   * The opened file's data key and envelopes, verbatim; values and comments whose
   * plaintext and position did not change keep their ciphertext (stable ciphertext).
   */
  | { kind: 'keep'; opened: OpenedSopsFile }
  /**
   * The opened file's data key and value ciphertexts; with one key group its envelopes
   * are kept verbatim and the recipients of `layout` that lack one get a new envelope.
   * With several groups the data key is split and wrapped again for `layout`.
   */
  | { kind: 'add-readers'; opened: OpenedSopsFile; layout: RecipientGroups }
  /**
   * A new data key wrapped for `layout`; every value encrypted anew. The file being
   * replaced, if any, keeps its format, selection, lastmodified ordering and
   * indentation; otherwise `format` (default yaml) is written.
   */
  | { kind: 'fresh'; layout: RecipientGroups; previous?: OpenedSopsFile; format?: SopsFormat };

/** Encrypt a plaintext document into the text of a SOPS file, keyed as `keying` says. */
export function sealDocument(plain: Document, keying: Keying, file: string): string {
  return sealSopsFile(plain, sealParams(keying), file);
}

function sealParams(keying: Keying): SealParams {
  switch (keying.kind) {
    case 'keep': {
      const { opened } = keying;
      const of = { cache: opened.cache, previous: opened.meta, indent: opened.indent, format: opened.format };
      return { dataKey: opened.dataKey, groups: opened.meta.groups, threshold: opened.meta.threshold, ...of };
    }
    case 'add-readers': {
      const { opened, layout } = keying;
      const of = { cache: opened.cache, previous: opened.meta, indent: opened.indent, format: opened.format };
      return { dataKey: opened.dataKey, groups: addReaders(opened, layout), threshold: layout.threshold, ...of };
    }
    case 'fresh': {
      const { layout, previous } = keying;
      const dataKey = newDataKey();
      const format = previous?.format ?? keying.format;
      return { dataKey, groups: wrapDataKey(dataKey, layout.groups, layout.threshold), threshold: layout.threshold, previous: previous?.meta, indent: previous?.indent, format };
    }
  }
}

/** The opened file's envelopes plus ones for the readers `layout` adds (one group), or a re-wrap (several). */
function addReaders(opened: OpenedSopsFile, layout: RecipientGroups): AgeEnvelope[][] {
  if (layout.groups.length !== 1) return wrapDataKey(opened.dataKey, layout.groups, layout.threshold);
  const have = opened.meta.groups[0]!;
  const added = layout.groups[0]!.filter((r) => !have.some((e) => e.recipient === r));
  return [[...have, ...wrapDataKey(opened.dataKey, [added], 1)[0]!]];
}

/** The keying spelled out: what `sealDocument` derives from a `Keying`. */
export interface SealParams {
  dataKey: Uint8Array;
  /** Envelopes per key group (already wrapping `dataKey` or its shares). */
  groups: AgeEnvelope[][];
  threshold: number;
  /** Ciphertexts to reuse for unchanged values (omit after a data-key change). */
  cache?: CipherCache;
  previous?: SopsMetadata;
  indent?: Indent;
  /** The file's sops format (default yaml). */
  format?: SopsFormat;
  now?: Date;
}

/**
 * Encrypt a plaintext document into the text of a SOPS file with explicit keying.
 * Callers use `sealDocument`; tests use this to craft files with unusual envelopes or
 * clocks.
 */
export function sealSopsFile(plain: Document, params: SealParams, file: string): string {
  const store = sopsStore(params.format ?? 'yaml');
  // The plaintext may not hold the metadata's own keys (the file would have two).
  if (store.hasMetadata(plain)) {
    const what = store.name === 'dotenv' ? 'keys starting with "sops_" are' : store.name === 'ini' ? 'a section named "sops" is' : 'a top-level key named "sops" is';
    throw new UsageError(`${file}: ${what} reserved for the SOPS metadata`, { file, hint: 'choose another key name' });
  }
  const prev = params.previous;
  const selection = prev?.selection ?? { kind: 'unencrypted_suffix' as const, value: DEFAULT_UNENCRYPTED_SUFFIX };
  // A file whose MAC covers only encrypted values keeps that rule (sops keeps it too).
  const macOnlyEncrypted = prev?.macOnlyEncrypted === true;
  const lastModified = nextLastModified(params.now ?? new Date(), prev?.lastModified);
  const { doc, mac } = encryptTree(plain, params.dataKey, { selection, macOnlyEncrypted }, lastModified, params.cache, file);
  const meta: SopsMetadata = {
    groups: params.groups,
    threshold: params.groups.length > 1 ? params.threshold : 1,
    lastModified,
    mac,
    selection,
    macOnlyEncrypted,
    version: SOPS_VERSION,
    foreignSources: [],
  };
  const text = store.emit(doc, emitSopsMetadata(meta), params.indent);
  // Never write a file that parseSopsFile would refuse to read back.
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    throw new FormatError(`${file}: the encrypted file would be larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`, {
      file,
      hint: 'secret files are small; split large data into several refs',
    });
  }
  return text;
}
