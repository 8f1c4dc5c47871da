import { stringify } from 'yaml';
import { formatGoFloat } from '../../formats/scalar-codec.js';
import { getValue } from '../../ops/secrets/read-values.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';

export default async function getCommand(ctx: CommandContext, [ref, key]: string[]): Promise<void> {
  const v = (await getValue(new Workspace(ctx.global), ref!, key!)).reveal();
  ctx.out.result(v, () => scalarText(v));
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString(10);
  if (typeof v === 'number') return formatGoFloat(v);
  if (typeof v === 'boolean' || v === null) return String(v);
  return stringify(v, { indent: 2 });
}
