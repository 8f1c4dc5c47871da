/**
 * Line numbers in YAML text, for messages and annotations: only computed for the few
 * nodes a report points at (a second, full parse of that file). Pure.
 */
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';

/**
 * The line of the deepest existing entry on `path` (map keys and list indices): the
 * line of its key, or of the list item. 1 when none.
 */
export function lineOfPath(text: string, path: ReadonlyArray<string | number>): number {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, intAsBigInt: true });
  const lineOf = (n: unknown): number | undefined => (isNode(n) && (n as Node).range ? lines.linePos((n as Node).range![0]).line : undefined);
  let node = doc.contents as unknown;
  let line = 1;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) break;
      line = lineOf(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      line = lineOf(node) ?? line;
    } else break;
  }
  return line;
}

/** The line where `needle` (text, or a regex) first occurs; 1 when it does not. */
export function lineOfText(text: string, needle: string | RegExp): number {
  const i = typeof needle === 'string' ? text.indexOf(needle) : (needle.exec(text)?.index ?? -1);
  if (i < 0) return 1;
  let line = 1;
  for (let p = 0; p < i; p++) if (text.charCodeAt(p) === 10) line++;
  return line;
}

/** Every scalar value of the document with its line and dotted name (`a.b`, `list[0]`). */
export function scalarLines(text: string): Array<{ name: string; line: number; value: unknown }> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, intAsBigInt: true });
  const out: Array<{ name: string; line: number; value: unknown }> = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || !node.range) return;
      const names: string[] = [];
      for (const p of path) {
        if (p && typeof p === 'object' && 'key' in p && isScalar((p as { key: unknown }).key)) names.push(String(((p as { key: { value: unknown } }).key).value));
      }
      const name = names.join('.') + (typeof key === 'number' ? `[${key}]` : '');
      out.push({ name, line: lines.linePos(node.range[0]).line, value: node.value });
    },
  });
  return out;
}
