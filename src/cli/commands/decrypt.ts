import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { documentFormat, encodeDocumentMap } from '../../formats/registry.js';
import { decryptSopsPaths } from '../../ops/secrets/file-crypt.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  inPlace?: boolean;
  json?: boolean;
}

export default async function decryptCommand(ctx: CommandContext, paths: string[], opts: Options): Promise<void> {
  const inPlace = opts.inPlace === true;
  const ws = new Workspace(ctx.global);
  if (inPlace) {
    const files = decryptSopsPaths(ws, paths, { inPlace });
    ctx.out.result({ files: files.map((f) => f.file) }, () => `decrypted ${files.length} file(s) in place (mode 0600)`);
    return;
  }
  // One file without --json prints that document as YAML, comments and all.
  if (!opts.json && paths.length === 1 && !statSync(resolve(ws.cwd, paths[0]!), { throwIfNoEntry: false })?.isDirectory()) {
    ctx.out.raw(documentFormat('yaml').encode(decryptSopsPaths(ws, paths)[0]!.doc));
    return;
  }
  // Several files: one object keyed by path (JSON, or the same shape in YAML).
  ctx.out.raw(encodeDocumentMap(decryptSopsPaths(ws, paths).map((f) => [f.file, f.doc] as const), opts.json ? 'json' : 'yaml'));
}
