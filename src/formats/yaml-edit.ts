/**
 * Editing a YAML text through the `yaml` Document API while changing only the lines
 * the edit is about. The library re-prints every node (flow spacing, quoting, blank
 * lines), so instead of writing its output we compare three texts: the original (A),
 * the library's print of it unedited (B) and edited (C). Lines common to A and B that
 * the edit kept are anchors; between two anchors, the original lines are kept when the
 * edit left that stretch alone, and C's lines are used only where it changed something
 * (lines the printer reformatted one for one keep their original text when kept).
 */
import { parseDocument, type Document, type ToStringOptions } from 'yaml';

/** Apply `edit` to the document of `text`; returns the new text with untouched lines byte-identical. */
export function editYamlText(text: string, edit: (doc: Document) => void, options: ToStringOptions = { lineWidth: 0 }): string {
  const doc = parseDocument(text);
  const before = doc.toString(options);
  edit(doc);
  const after = doc.toString(options);
  if (after === before) return text;
  const a = splitLines(text);
  const b = splitLines(before);
  const c = splitLines(after);
  const ab = commonLines(a, b);
  const bc = new Map(commonLines(b, c).map(([bi, ci]) => [bi, ci]));
  // Anchors: original lines the printer reproduced and the edit kept, in order.
  const anchors: Array<[number, number, number]> = [[-1, -1, -1]];
  for (const [ai, bi] of ab) {
    const ci = bc.get(bi);
    if (ci !== undefined && ci > anchors[anchors.length - 1]![2]) anchors.push([ai, bi, ci]);
  }
  anchors.push([a.length, b.length, c.length]);
  const out: string[] = [];
  for (let k = 0; k + 1 < anchors.length; k++) {
    const [a0, b0, c0] = anchors[k]!;
    const [a1, b1, c1] = anchors[k + 1]!;
    const bGap = b.slice(b0 + 1, b1);
    const cGap = c.slice(c0 + 1, c1);
    const aGap = a.slice(a0 + 1, a1);
    const untouched = bGap.length === cGap.length && bGap.every((l, i) => l === cGap[i]);
    if (untouched) out.push(...aGap);
    else if (aGap.length === bGap.length) {
      // The printer reformatted these lines one for one: keep the originals of the lines the edit kept.
      const kept = new Map(commonLines(cGap, bGap));
      out.push(...cGap.map((l, i) => (kept.has(i) ? aGap[kept.get(i)!]! : l)));
    } else out.push(...cGap);
    if (k + 1 < anchors.length - 1) out.push(a[a1]!);
  }
  return out.join('');
}

/** Lines with their line endings (the last may have none). */
function splitLines(s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Index pairs of a longest common subsequence of two line lists. */
function commonLines(x: readonly string[], y: readonly string[]): Array<[number, number]> {
  const n = x.length;
  const m = y.length;
  const ids = new Map<string, number>();
  const id = (s: string) => ids.get(s) ?? (ids.set(s, ids.size), ids.size - 1);
  const xi = x.map(id);
  const yi = y.map(id);
  // lengths[i][j] = LCS of x[i:] and y[j:], one row per i.
  const w = m + 1;
  const lengths = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * w + j] = xi[i] === yi[j] ? lengths[(i + 1) * w + j + 1]! + 1 : Math.max(lengths[(i + 1) * w + j]!, lengths[i * w + j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (xi[i] === yi[j]) pairs.push([i++, j++]);
    else if (lengths[(i + 1) * w + j]! >= lengths[i * w + j + 1]!) i++;
    else j++;
  }
  return pairs;
}
