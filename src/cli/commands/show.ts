import { encodeDotenv, flattenEnv } from '../../formats/dotenv.js';
import { encodeJson } from '../../formats/json.js';
import { stringifyYaml } from '../../formats/yaml.js';
import { showRef } from '../../ops/secrets/read-values.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';

export default async function showCommand(ctx: CommandContext, [ref]: string[], opts: Record<string, unknown>): Promise<void> {
  const doc = (await showRef(new Workspace(ctx.global), ref!)).reveal();
  const format = opts['json'] ? 'json' : (opts['format'] as string);
  // mapAsMap: map order survives even for number-like keys (DESIGN §3).
  if (format === 'json') ctx.out.raw(encodeJson(doc.toJS({ mapAsMap: true }) ?? {}) + '\n');
  else if (format === 'dotenv') ctx.out.raw(encodeDotenv(flattenEnv((doc.toJS() ?? {}) as Record<string, unknown>)));
  else ctx.out.raw(stringifyYaml(doc));
}
