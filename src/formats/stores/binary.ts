/**
 * The binary store (sops `BinaryStore`): the whole file is one value under a `data` key
 * of a JSON document (so the encrypted file is the JSON store's); bytes that are not
 * UTF-8 are kept as bytes.
 */
import { Document, Pair, Scalar, YAMLMap, isMap, isScalar, type Node } from 'yaml';
import { UsageError } from '../../kernel/errors.js';
import { jsonStore } from './json.js';
import type { SopsStore } from './store.js';

export const binaryStore: SopsStore = {
  name: 'binary',
  load: (text, file, options) => jsonStore.load(text, file, options),
  emit: (doc, meta, indent) => jsonStore.emit(doc, meta, indent),
  loadPlain(bytes: Uint8Array) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = buf.toString('utf8');
    const value = Buffer.from(text, 'utf8').equals(buf) ? text : new Uint8Array(buf);
    const map = new YAMLMap();
    map.items.push(new Pair(new Scalar('data'), new Scalar(value)));
    const doc = new Document(null, { intAsBigInt: true });
    doc.contents = map;
    return doc;
  },
  emitPlain(doc: Document) {
    const root = doc.contents as Node | null;
    const node = isMap(root) ? root.get('data', true) : undefined;
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    throw new UsageError('a binary file is one string under a "data" key; this document has none', { hint: 'choose another output format' });
  },
  indentOf: (text) => jsonStore.indentOf(text),
  mayBeEncrypted: (text) => jsonStore.mayBeEncrypted(text),
  hasMetadata: () => false,
};
