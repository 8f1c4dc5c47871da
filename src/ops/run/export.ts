/**
 * `export`: a resolved bundle as dotenv, shell, json, yaml or a Kubernetes Secret — to
 * stdout, or to a file written atomically with mode 0600. `namesOnly` gives the names
 * without values (an `.env.example`).
 */
import { resolve } from 'node:path';
import { encodeBundle, encodeBundleNames, type BundleFormatOptions } from '../../formats/bundle.js';
import { UsageError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import type { Workspace } from '../context/workspace.js';
import { resolveRequest, type BundleRequest } from './resolve.js';

export interface ExportOptions extends BundleRequest, BundleFormatOptions {
  format: string;
  namesOnly?: boolean;
  /** Write here (mode 0600, atomically) instead of returning the text. */
  out?: string;
}

export interface ExportResult {
  names: string[];
  refs: string[];
  /** The text, when not written to `out`. */
  text?: Secret<string>;
  file?: string;
}

export async function exportBundle(ws: Workspace, options: ExportOptions): Promise<ExportResult> {
  const bundle = await resolveRequest(ws, options);
  const names = [...bundle.values.keys()];
  const text = options.namesOnly
    ? encodeBundleNames(options.format, names)
    : encodeBundle(options.format, [...bundle.values].map(([k, v]) => [k, v.reveal()] as const), options);
  if (options.out === undefined) return { names, refs: bundle.refs, text: new Secret(text) };
  if (options.out === '') throw new UsageError('--out needs a file name', { hint: 'leave --out out to print to standard output' });
  const file = resolve(ws.cwd, options.out);
  writeFileAtomic(file, text, { mode: 0o600 });
  return { names, refs: bundle.refs, file: options.out };
}
