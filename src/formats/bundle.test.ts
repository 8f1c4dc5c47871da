import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { encodeK8sSecret } from './bundle.js';

describe('encodeK8sSecret', () => {
  it('prints for YAML 1.1 readers: keys and label values like Y, on, yes stay strings; data sorted; labels after managed-by', () => {
    const text = encodeK8sSecret(
      [
        ['on', 'x'],
        ['Y', 'y'],
        ['A', 'a'],
      ],
      { name: 's', namespace: 'ns', labels: { team: 'yes', env: '1', 'app.kubernetes.io/managed-by': 'other' } },
    );
    const doc = parseDocument(text, { version: '1.1' }).toJS() as { metadata: { labels: Record<string, unknown> }; data: Record<string, unknown> };
    expect(doc.data).toEqual({ A: 'YQ==', Y: 'eQ==', on: 'eA==' });
    expect(Object.keys(doc.data)).toEqual(['A', 'Y', 'on']);
    expect(doc.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'keyfold', env: '1', team: 'yes' });
    expect(Object.keys(doc.metadata.labels)).toEqual(['app.kubernetes.io/managed-by', 'env', 'team']);
    expect(text).not.toContain('%YAML');
  });
});
