/**
 * A whole SOPS file, read side: text → (plaintext document, data key, metadata). No
 * I/O: the caller reads the bytes and supplies identities. Sealing is in seal.ts.
 */
import type { Document } from 'yaml';
import { unwrapDataKey } from '../crypto/data-key.js';
import { inspectArmored, type X25519Identity } from '../crypto/age/index.js';
import { parseSopsLayout } from './layout.js';
import { MAX_FILE_BYTES } from '../kernel/limits.js';
import { detectIndent, parseYaml } from '../formats/yaml.js';
import { checkMetadataAllowlist, parseSopsMetadata, type SopsMetadata } from './metadata.js';
import type { CipherCache } from './cipher-cache.js';
import { decryptTree } from './decrypt-tree.js';
import { detachSopsBlock } from './sops-block.js';

export interface ParsedSopsFile {
  /** The document without its `sops` key; values still encrypted. */
  doc: Document;
  raw: Record<string, unknown>;
  meta: SopsMetadata;
  /** The file's text as read (its layout is kept when the file is rewritten). */
  text: string;
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
}

/** Parse an encrypted file without decrypting anything. */
export function parseSopsFile(text: string, file: string, options: ParseOptions): ParsedSopsFile {
  const doc = (options.readOnly && Buffer.byteLength(text, 'utf8') <= MAX_FILE_BYTES && parseSopsLayout(text)) || parseYaml(text, file);
  const raw = detachSopsBlock(doc, file);
  const meta = parseSopsMetadata(raw, file);
  if (options.strict) {
    checkMetadataAllowlist(raw, meta, file, (armored) => inspectArmored(armored).stanzas.map((s) => s.type));
  }
  return { doc, raw, meta, text };
}

/** A decrypted file, ready to be edited and sealed again with stable ciphertext. */
export interface OpenedSopsFile {
  file: string;
  plain: Document;
  cache: CipherCache;
  dataKey: Uint8Array;
  meta: SopsMetadata;
  /** Spaces per indentation level of the file as read. */
  readonly indent: number;
}

/** Decrypt a parsed file (consumes `parsed.doc`). */
export function openSopsFile(parsed: ParsedSopsFile, identities: X25519Identity[], file: string): OpenedSopsFile {
  const dataKey = unwrapDataKey(parsed.meta.groups, parsed.meta.threshold, identities, file);
  const { plain, cache } = decryptTree(parsed.doc, dataKey, parsed.meta, file);
  return {
    file,
    plain,
    cache,
    dataKey,
    meta: parsed.meta,
    // Only writers need it; bulk readers should not pay for the scan.
    get indent() {
      return detectIndent(parsed.text);
    },
  };
}
