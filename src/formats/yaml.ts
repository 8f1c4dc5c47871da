/**
 * YAML parsing and printing for secret files, through the `yaml` Document API so that
 * map order, comments, number-like keys and block scalars survive (docs/file-format.md).
 */
import { Document, LineCounter, Scalar, isAlias, isCollection, isPair, parseDocument, visit, type Node } from 'yaml';
import { FormatError } from '../kernel/errors.js';
import { MAX_DEPTH, MAX_FILE_BYTES } from '../kernel/limits.js';
import { yamlTimestamp } from './go-time.js';
import { isTimeNode, markTime } from './scalar-codec.js';

const REASONS: Record<string, string> = {
  DUPLICATE_KEY: 'duplicate map key',
  RESOURCE_EXHAUSTION: 'nesting too deep',
  MULTIPLE_DOCS: 'more than one YAML document',
  BAD_INDENT: 'bad indentation',
  MISSING_CHAR: 'unterminated quote or bracket',
  BLOCK_AS_IMPLICIT_KEY: 'nested mapping in a compact mapping',
  TAB_AS_INDENT: 'tab used for indentation',
};

/**
 * Parse YAML text into a Document, refusing anything a secrets file has no use for.
 * Errors are one line, name `file` and a line number, and never quote the content.
 */
export function parseYaml(text: string, file: string): Document {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    throw new FormatError(`${file} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`, {
      file,
      hint: 'secret files are small; split large data into several refs',
    });
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, {
      intAsBigInt: true,
      prettyErrors: false,
      uniqueKeys: true,
      lineCounter,
      keepSourceTokens: false,
    });
  } catch (e) {
    throw new FormatError(`${file} is not valid YAML (${e instanceof RangeError ? 'nesting too deep' : 'parse failed'})`, {
      file,
    });
  }
  const err = doc.errors[0];
  if (err) {
    const line = lineCounter.linePos(err.pos[0]).line;
    const reason = REASONS[err.code] ?? err.code.toLowerCase().replace(/_/g, ' ');
    throw new FormatError(`${file}:${line}: not valid YAML (${reason})`, { file, hint: 'fix the YAML syntax' });
  }
  checkShape(doc.contents as Node | null, file, lineCounter);
  resolveTimes(doc, false);
  return doc;
}

const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';

/**
 * Times as sops ≥ 3.10 reads them (go-yaml v3): a scalar tagged `!!timestamp` becomes a
 * time value (its text, marked with `markTime`; never a Date); with `plain`, so does an
 * unquoted scalar that go-yaml resolves as a timestamp.
 */
export function resolveTimes(doc: Document, plain: boolean): void {
  visit(doc, {
    Scalar(_key, node) {
      if (node.tag === TIMESTAMP_TAG) {
        node.value = node.source ?? String(node.value);
        delete node.tag;
        node.type = Scalar.PLAIN;
        markTime(node);
      } else if (plain && !node.tag && node.type === Scalar.PLAIN && typeof node.value === 'string' && yamlTimestamp(node.value) !== undefined) {
        markTime(node);
      }
    },
  });
}

/** Refuse aliases (an alias bomb, and values that would be encrypted twice) and deep nesting. */
function checkShape(root: Node | null, file: string, lines: LineCounter): void {
  if (!root) return;
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) {
      throw new FormatError(`${file}: nesting deeper than ${MAX_DEPTH} levels`, { file });
    }
    if (isAlias(node) || node.anchor) {
      const line = node.range ? lines.linePos(node.range[0]).line : 0;
      throw new FormatError(`${file}:${line}: YAML anchors and aliases are not supported in secret files`, {
        file,
        hint: 'write the value out in full',
      });
    }
    if (isCollection(node)) {
      for (const item of node.items) {
        if (isPair(item)) {
          if (item.key && typeof item.key === 'object') stack.push([item.key as Node, depth + 1]);
          if (item.value && typeof item.value === 'object') stack.push([item.value as Node, depth + 1]);
        } else if (item && typeof item === 'object') {
          stack.push([item as Node, depth + 1]);
        }
      }
    }
  }
}

export interface StringifyOptions {
  /** Spaces per level; sops writes 4. */
  indent?: number;
}

/** Print a Document without line folding, in the layout sops uses. */
export function stringifyYaml(doc: Document, options: StringifyOptions = {}): string {
  quoteIndentedBlockScalars(doc);
  return doc.toString({
    indent: options.indent ?? 4,
    indentSeq: true,
    lineWidth: 0,
    minContentWidth: 0,
  });
}

/** The indentation a file already uses (so rewriting it keeps its layout), default 4. */
export function detectIndent(text: string): number {
  const m = /^[^\s#-][^\n]*:[ \t]*\n( +)[^\s#]/m.exec(text);
  const n = m?.[1]?.length ?? 4;
  return n >= 2 && n <= 8 ? n : 4;
}

/**
 * Quoting the YAML layout needs. The yaml package writes a block scalar's indentation indicator as if every indent
 * step were 2 (`|2`), so with 4-space indentation a multi-line string whose first line
 * starts with a space would read back with extra (or fewer) leading spaces — a changed
 * value, and a MAC mismatch for unencrypted ones. Such strings are written
 * double-quoted instead; every other block scalar needs no indicator.
 */
function quoteIndentedBlockScalars(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (node.value.includes('\n') && /^\n* /.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
      // A string go-yaml would read as a timestamp is quoted, so sops (≥ 3.10) keeps it a
      // string; a time value is written plain, as sops writes it.
      else if (isTimeNode(node)) node.type = Scalar.PLAIN;
      else if ((node.type === undefined || node.type === Scalar.PLAIN) && yamlTimestamp(node.value) !== undefined) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}
