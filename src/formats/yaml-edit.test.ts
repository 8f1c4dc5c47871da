import { isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { describe, expect, it } from 'vitest';
import { editYamlText } from './yaml-edit.js';

const POLICY = `# who may read what
members:
  alice: {recipient: age1aaa, github: alice}   # a developer
  carol:   { recipient: age1ccc }

roles:
  developer: [alice]
  admin:
    - carol
grants:
  - { role: developer, read: ["dev/**", 'staging/**'], write: [dev/**] }
  - {role: admin, read: ["**"], write: ["**"]}
`;

describe('editYamlText', () => {
  it('adds a member and a role entry, leaving every other line byte-identical', () => {
    const out = editYamlText(POLICY, (doc) => {
      const node = doc.createNode({ recipient: 'age1bbb' });
      node.flow = true;
      (doc.get('members', true) as YAMLMap).set('bob', node);
      (doc.getIn(['roles', 'admin'], true) as YAMLSeq).add(doc.createNode('bob'));
    });
    const before = POLICY.split('\n');
    const after = out.split('\n');
    expect(after.filter((l) => !before.includes(l))).toEqual(['  bob: { recipient: age1bbb }', '    - bob']);
    expect(before.filter((l) => !after.includes(l))).toEqual([]);
  });

  it('changes a flow list on its own line only', () => {
    const out = editYamlText(POLICY, (doc) => (doc.getIn(['roles', 'developer'], true) as YAMLSeq).add(doc.createNode('bob')));
    const removed = POLICY.split('\n').filter((l) => !out.split('\n').includes(l));
    expect(removed).toEqual(['  developer: [alice]']);
    expect(out).toContain('developer: [ alice, bob ]');
  });

  it('removes entries and keeps comments elsewhere', () => {
    const out = editYamlText(POLICY, (doc) => {
      (doc.get('members', true) as YAMLMap).delete('carol');
      const admin = doc.getIn(['roles', 'admin'], true);
      if (isSeq(admin)) admin.items = [];
    });
    expect(out).toContain('# who may read what\n');
    expect(out).toContain('  alice: {recipient: age1aaa, github: alice}   # a developer\n');
    expect(out).not.toContain('carol: ');
    expect(out).toContain(`  - { role: developer, read: ["dev/**", 'staging/**'], write: [dev/**] }\n`);
  });

  it('returns the text unchanged when the edit changes nothing', () => {
    expect(editYamlText(POLICY, () => undefined)).toBe(POLICY);
  });
});
