/**
 * A whole SOPS file, read side: text → (plaintext document, data key, metadata), for
 * any sops format (the store of `formats/stores` splits the file). No I/O: the caller
 * reads the bytes and supplies identities. Sealing is in seal.ts.
 */
import type { Document } from 'yaml';
import { unwrapDataKey } from '../crypto/data-key.js';
import { inspectArmored, type X25519Identity } from '../crypto/age/index.js';
import { sopsStore, type Indent, type SopsFormat } from '../formats/stores/registry.js';
import { checkMetadataAllowlist, parseSopsMetadata, type SopsMetadata } from './metadata.js';
import type { CipherCache } from './cipher-cache.js';
import { decryptTree } from './decrypt-tree.js';

export interface ParsedSopsFile {
  /** The document without its metadata; values still encrypted. */
  doc: Document;
  raw: Record<string, unknown>;
  meta: SopsMetadata;
  /** The file's text as read (its layout is kept when the file is rewritten). */
  text: string;
  format: SopsFormat;
}

export interface ParseOptions {
  /** Apply keyfold's metadata allowlist (S1): for files under `secrets/`. */
  strict: boolean;
  /**
   * Read-only callers may take the lean reader for the plain sops layout (several
   * times faster; falls back to the full parser). Writers need the full parse, which
   * keeps comments and layout.
   */
  readOnly?: boolean;
  /** The file's sops format (default yaml). */
  format?: SopsFormat;
}

/** Parse an encrypted file without decrypting anything. */
export function parseSopsFile(text: string, file: string, options: ParseOptions): ParsedSopsFile {
  const format = options.format ?? 'yaml';
  const { doc, meta: raw } = sopsStore(format).load(text, file, { readOnly: options.readOnly });
  const meta = parseSopsMetadata(raw, file);
  if (options.strict) {
    checkMetadataAllowlist(raw, meta, file, (armored) => inspectArmored(armored).stanzas.map((s) => s.type));
  }
  return { doc, raw, meta, text, format };
}

/** A decrypted file, ready to be edited and sealed again with stable ciphertext. */
export interface OpenedSopsFile {
  file: string;
  plain: Document;
  cache: CipherCache;
  dataKey: Uint8Array;
  meta: SopsMetadata;
  format: SopsFormat;
  /** Indentation of the file as read (undefined: the format's default). */
  readonly indent: Indent | undefined;
}

/** Decrypt a parsed file (consumes `parsed.doc`). */
export function openSopsFile(parsed: ParsedSopsFile, identities: X25519Identity[], file: string): OpenedSopsFile {
  return openWithDataKey(parsed, unwrapDataKey(parsed.meta.groups, parsed.meta.threshold, identities, file), file);
}

/** Decrypt a parsed file with its data key, already known (consumes `parsed.doc`); the MAC is verified. */
export function openWithDataKey(parsed: ParsedSopsFile, dataKey: Uint8Array, file: string): OpenedSopsFile {
  const { plain, cache } = decryptTree(parsed.doc, dataKey, parsed.meta, file);
  return {
    file,
    plain,
    cache,
    dataKey,
    meta: parsed.meta,
    format: parsed.format,
    // Only writers need it; bulk readers should not pay for the scan.
    get indent() {
      return sopsStore(parsed.format).indentOf(parsed.text);
    },
  };
}
