import { stringify } from 'yaml';
import { encodeJson } from '../../formats/json.js';
import { stringifyYaml } from '../../formats/yaml.js';
import { decryptPaths } from '../../ops/file-crypt.js';
import { Workspace } from '../../ops/workspace.js';
import type { CommandContext } from '../program.js';

export default async function decryptCommand(ctx: CommandContext, paths: string[], opts: Record<string, unknown>): Promise<void> {
  const inPlace = opts['inPlace'] === true;
  const files = decryptPaths(new Workspace(ctx.global), paths, { inPlace });
  if (inPlace) {
    ctx.out.result({ files: files.map((f) => f.file) }, () => `decrypted ${files.length} file(s) in place (mode 0600)`);
    return;
  }
  if (opts['json']) {
    ctx.out.raw(encodeJson(Object.fromEntries(files.map((f) => [f.file, f.doc.toJS() ?? {}]))) + '\n');
  } else if (files.length === 1 && paths.length === 1 && files[0]!.file === normalize(paths[0]!)) {
    ctx.out.raw(stringifyYaml(files[0]!.doc));
  } else {
    ctx.out.raw(stringify(Object.fromEntries(files.map((f) => [f.file, f.doc.toJS() ?? {}])), { indent: 4, indentSeq: true, lineWidth: 0 }));
  }
}

const normalize = (p: string) => p.replace(/^\.\//, '');
