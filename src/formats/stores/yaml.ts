/** The YAML store (sops `stores/yaml`): the document as is, metadata under a `sops` key. */
import { Scalar, isMap, isScalar, type Document, type YAMLMap } from 'yaml';
import { FormatError } from '../../kernel/errors.js';
import { MAX_FILE_BYTES } from '../../kernel/limits.js';
import { detectIndent, parseYaml, resolveTimes, stringifyYaml } from '../yaml.js';
import { attachSopsBlock, detachSopsBlock, hasSopsKey } from './nested-metadata.js';
import type { Indent, LoadOptions, SopsStore } from './store.js';
import { parseSopsLayout } from './yaml-layout.js';

export const yamlStore: SopsStore = {
  name: 'yaml',
  load(text: string, file: string, options: LoadOptions = {}) {
    const lean = options.readOnly && Buffer.byteLength(text, 'utf8') <= MAX_FILE_BYTES ? parseSopsLayout(text) : undefined;
    const doc = lean ?? parseYaml(text, file);
    const meta = detachSopsBlock(doc, file);
    // Unquoted timestamps among the (unencrypted) values are times, as sops ≥ 3.10 reads
    // them: the MAC covers their canonical text. The lean reader declines such files.
    if (!lean) resolveTimes(doc, true);
    return { doc, meta };
  },
  emit(doc: Document, meta: Record<string, unknown>, indent?: Indent) {
    attachSopsBlock(doc, meta);
    // sops quotes lastmodified, so YAML 1.1 readers do not take it for a timestamp.
    const sops = (doc.contents as YAMLMap).get('sops', true);
    if (isMap(sops)) {
      const lm = sops.get('lastmodified', true);
      if (isScalar(lm)) (lm as Scalar).type = Scalar.QUOTE_DOUBLE;
    }
    return stringifyYaml(doc, { indent: typeof indent === 'number' ? indent : 4 });
  },
  loadPlain(bytes: Uint8Array, file: string) {
    return parseYaml(utf8Text(bytes, file), file);
  },
  emitPlain(doc: Document, indent?: Indent) {
    return Buffer.from(stringifyYaml(doc, { indent: typeof indent === 'number' ? indent : 4 }), 'utf8');
  },
  indentOf: (text: string) => detectIndent(text),
  mayBeEncrypted: (text: string) => /^sops:/m.test(text),
  hasMetadata: hasSopsKey,
};

/** Bytes as UTF-8 text; FormatError when they are not (no content quoted). */
export function utf8Text(bytes: Uint8Array, file: string): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(buf)) throw new FormatError(`${file} is not UTF-8 text`, { file });
  return text;
}
