/**
 * Loading a YAML configuration file through its zod schema, with errors that name the
 * file, line and field and say how to fix them.
 */
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import type * as z from 'zod/mini';
import { ConfigError, NotFoundError } from '../core/errors.js';
import { readTextFile } from '../repo/secrets-tree.js';

export function loadYamlConfig<S extends z.ZodMiniType>(path: string, display: string, schema: S, hint: string): z.infer<S> {
  let text: string;
  try {
    text = readTextFile(path, display);
  } catch (e) {
    if (e instanceof NotFoundError) throw new NotFoundError(`${display} is missing`, { file: display, hint });
    throw e;
  }
  return parseYamlConfig(text, display, schema, hint);
}

export function parseYamlConfig<S extends z.ZodMiniType>(text: string, display: string, schema: S, hint: string): z.infer<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    throw new ConfigError(`${display}:${lines.linePos(err.pos[0]).line}: not valid YAML (${err.code.toLowerCase().replace(/_/g, ' ')})`, {
      file: display,
      hint,
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch {
    throw new ConfigError(`${display}: too many YAML aliases`, { file: display, hint });
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  // Point at the deepest node that exists.
  let line = 1;
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as unknown;
    if (isNode(node) && (node as Node).range) {
      line = lines.linePos((node as Node).range![0]).line;
      break;
    }
  }
  const field = path.length ? path.join('.') : '(top level)';
  throw new ConfigError(`${display}:${line}: ${field}: ${issue.message}`, { file: display, hint });
}
