import { count } from '../../kernel/names.js';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodeDocumentMap } from '../../formats/registry.js';
import { parseSopsFormat, type SopsFormat } from '../../formats/stores/registry.js';
import { decryptSopsPaths } from '../../ops/secrets/file-crypt.js';
import { decryptSopsPathsJson } from '../../ops/secrets/decrypt-bulk.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  inPlace?: boolean;
  inputType?: string;
  outputType?: string;
  json?: boolean;
}

const format = (value: string | undefined, option: string): SopsFormat | undefined => (value === undefined ? undefined : parseSopsFormat(value, option));

export default async function decryptCommand(ctx: CommandContext, paths: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const formats = { inputType: format(opts.inputType, '--input-type'), outputType: format(opts.outputType, '--output-type') };
  if (opts.inPlace) {
    const files = decryptSopsPaths(ws, paths, { ...formats, inPlace: true });
    ctx.out.result({ files: files.map((f) => f.file) }, () => `decrypted ${count(files.length, 'file')} in place (mode 0600)`);
    return;
  }
  // One file without --json prints that file's plaintext in its format (as sops does).
  if (!opts.json && paths.length === 1 && !statSync(resolve(ws.cwd, paths[0]!), { throwIfNoEntry: false })?.isDirectory()) {
    ctx.out.raw(decryptSopsPaths(ws, paths, formats)[0]!.plaintext());
    return;
  }
  // Several files: one object keyed by path; as JSON on every core (decrypt-bulk.ts).
  if (opts.json) {
    ctx.out.raw(await decryptSopsPathsJson(ws, paths, formats));
    return;
  }
  // The same shape in YAML (one thread: anchors are numbered across the whole map).
  ctx.out.raw(encodeDocumentMap(decryptSopsPaths(ws, paths, formats).map((f) => [f.file, f.doc] as const), opts.json ? 'json' : 'yaml'));
}
