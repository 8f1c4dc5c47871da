/**
 * A whole SOPS file: text ⇄ (plaintext document, data key, metadata). No I/O: the
 * caller reads and writes the bytes and supplies identities.
 */
import { Scalar, isMap, isScalar, type Document, type YAMLMap } from 'yaml';
import { unwrapDataKey, type AgeEnvelope } from '../crypto/data-key.js';
import { inspectArmored, type X25519Identity } from '../crypto/age/index.js';
import { FormatError, UsageError } from '../kernel/errors.js';
import { parseSopsLayout } from './layout.js';
import { MAX_FILE_BYTES } from '../kernel/limits.js';
import { detectIndent, parseYaml, stringifyYaml } from '../formats/yaml.js';
import { checkMetadataAllowlist, emitSopsMetadata, nextLastModified, parseSopsMetadata, SOPS_VERSION, DEFAULT_UNENCRYPTED_SUFFIX, type SopsMetadata } from './metadata.js';
import { CipherCache, attachSopsBlock, decryptTree, detachSopsBlock, encryptTree } from './document.js';

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

export interface SealParams {
  dataKey: Uint8Array;
  /** Envelopes per key group (already wrapping `dataKey` or its shares). */
  groups: AgeEnvelope[][];
  threshold: number;
  /** Ciphertexts to reuse for unchanged values (omit after a data-key change). */
  cache?: CipherCache;
  previous?: SopsMetadata;
  indent?: number;
  now?: Date;
}

/** Encrypt a plaintext document into SOPS YAML text. */
export function sealSopsFile(plain: Document, params: SealParams, file: string): string {
  // The plaintext may not hold the metadata's own key (the file would have two).
  if (isMap(plain.contents) && (plain.contents as YAMLMap).has('sops')) {
    throw new UsageError(`${file}: a top-level key named "sops" is reserved for the SOPS metadata`, { file, hint: 'choose another key name' });
  }
  const prev = params.previous;
  const selection = prev?.selection ?? { kind: 'unencrypted_suffix' as const, value: DEFAULT_UNENCRYPTED_SUFFIX };
  const lastModified = nextLastModified(params.now ?? new Date(), prev?.lastModified);
  const { doc, mac } = encryptTree(plain, params.dataKey, selection, lastModified, params.cache, file);
  const meta: SopsMetadata = {
    groups: params.groups,
    threshold: params.groups.length > 1 ? params.threshold : 1,
    lastModified,
    mac,
    selection,
    macOnlyEncrypted: false,
    version: SOPS_VERSION,
    foreignSources: [],
  };
  attachSopsBlock(doc, emitSopsMetadata(meta));
  // sops quotes lastmodified, so YAML 1.1 readers do not take it for a timestamp.
  const sops = (doc.contents as YAMLMap).get('sops', true);
  if (isMap(sops)) {
    const lm = sops.get('lastmodified', true);
    if (isScalar(lm)) (lm as Scalar).type = Scalar.QUOTE_DOUBLE;
  }
  const text = stringifyYaml(doc, { indent: params.indent ?? 4 });
  // Never write a file that parseSopsFile would refuse to read back.
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    throw new FormatError(`${file}: the encrypted file would be larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`, {
      file,
      hint: 'secret files are small; split large data into several refs',
    });
  }
  return text;
}
