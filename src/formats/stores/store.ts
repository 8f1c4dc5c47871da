/**
 * A sops store: how one file format becomes the value tree sops encrypts (a `yaml`
 * Document: maps, lists, scalars and comments) and back, like sops' `stores/*`
 * packages. Pure: text or bytes in, text or bytes out; no crypto, no I/O. Each format
 * decides its own tree (dotenv: one flat map; INI: a map of sections; binary: one
 * `data` value) and where the metadata lives (a nested `sops` map, or flattened keys).
 */
import type { Document } from 'yaml';

export const SOPS_FORMATS = ['yaml', 'json', 'dotenv', 'ini', 'binary'] as const;
export type SopsFormat = (typeof SOPS_FORMATS)[number];

/** Indentation of the file as read, so a rewrite keeps its layout: spaces, or a tab. */
export type Indent = number | 'tab';

/** An encrypted file split into its value tree and its metadata. */
export interface LoadedSopsFile {
  /** The values, still encrypted; the metadata removed. */
  doc: Document;
  /** The metadata as plain data (nested maps and lists), as sops' metadata struct reads it. */
  meta: Record<string, unknown>;
}

export interface LoadOptions {
  /** The caller will not write the file back (a store may take a faster reader). */
  readOnly?: boolean;
}

export interface SopsStore {
  readonly name: SopsFormat;
  /** Split an encrypted file. Throws FormatError (no content quoted) when it is not one. */
  load(text: string, file: string, options?: LoadOptions): LoadedSopsFile;
  /** The encrypted file for a tree of encrypted values and its metadata. */
  emit(doc: Document, meta: Record<string, unknown>, indent?: Indent): string;
  /** A plaintext file of this format as a tree (`sops` metadata keys are refused by the caller). */
  loadPlain(bytes: Uint8Array, file: string): Document;
  /** A plaintext tree as a file of this format. */
  emitPlain(doc: Document, indent?: Indent): Buffer;
  /** The indentation a rewrite should keep (undefined: the format's default). */
  indentOf(text: string): Indent | undefined;
  /** Cheap pre-filter for directory walks: the text may be an encrypted file of this format. */
  mayBeEncrypted(text: string): boolean;
  /** Whether a plaintext tree already carries sops metadata (it would be encrypted twice). */
  hasMetadata(doc: Document): boolean;
}
