/**
 * Parsing a YAML configuration text through its zod schema, with errors that name the
 * file, line and field and say how to fix them.
 */
import { LineCounter, parseDocument, isNode, type Document, type Node } from 'yaml';
import type * as z from 'zod/mini';
import { ConfigError } from '../kernel/errors.js';
import { MAX_ALIASES } from '../kernel/limits.js';

/** A parsed configuration and a way to point at its lines. */
export interface LoadedConfig<T> {
  value: T;
  /** The line of the deepest existing node on `path` (1 when none). */
  lineOf(path: ReadonlyArray<string | number>): number;
}

export function parseYamlConfig<S extends z.ZodMiniType>(text: string, display: string, schema: S, hint: string): LoadedConfig<z.infer<S>> {
  const checked = checkYamlConfig(text, schema);
  if ('problem' in checked) {
    const { line, message } = checked.problem;
    throw new ConfigError(line > 0 ? `${display}:${line}: ${message}` : `${display}: ${message}`, { file: display, hint });
  }
  return checked;
}

/** Why a configuration text was refused, and where (line 0: the file as a whole). */
export interface ConfigProblem {
  line: number;
  message: string;
}

/**
 * `parseYamlConfig` without throwing: the parsed value, or the first problem (YAML
 * syntax or schema) with its line. For callers that report problems as data (`validate`).
 */
export function checkYamlConfig<S extends z.ZodMiniType>(text: string, schema: S): LoadedConfig<z.infer<S>> | { problem: ConfigProblem } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    return { problem: { line: lines.linePos(err.pos[0]).line, message: `not valid YAML (${err.code.toLowerCase().replace(/_/g, ' ')})` } };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch {
    return { problem: { line: 0, message: 'too many YAML aliases' } };
  }
  const lineOf = (path: ReadonlyArray<string | number>) => nodeLine(doc, lines, path);
  const parsed = schema.safeParse(data);
  if (parsed.success) return { value: parsed.data, lineOf };
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  return { problem: { line: lineOf(path), message: `${path.length ? path.join('.') : '(top level)'}: ${issue.message}` } };
}

function nodeLine(doc: Document, lines: LineCounter, path: ReadonlyArray<string | number>): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as unknown;
    if (isNode(node) && (node as Node).range) return lines.linePos((node as Node).range![0]).line;
  }
  return 1;
}

/** One field of an object schema applied to a raw value's field (its default when absent), or undefined when invalid. */
export function fieldOf(schema: z.ZodMiniObject, key: string, raw: Readonly<Record<string, unknown>>): unknown {
  const field = (schema.def.shape as Record<string, z.ZodMiniType>)[key];
  const parsed = field?.safeParse(raw[key]);
  return parsed?.success ? parsed.data : undefined;
}
