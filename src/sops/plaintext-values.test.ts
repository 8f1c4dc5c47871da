import { describe, expect, it } from 'vitest';
import { parseYaml } from '../formats/yaml.js';
import { findPlaintext } from './plaintext-values.js';

const SEL = { kind: 'unencrypted_suffix', value: '_unencrypted' } as const;
const ENC = 'ENC[AES256_GCM,data:AAAA,iv:' + 'A'.repeat(43) + '=,tag:' + 'A'.repeat(22) + '==,type:str]';
const ENC_COMMENT = ENC.replace('type:str', 'type:comment');

describe('findPlaintext', () => {
  it('flags plaintext values, malformed ENC values and plaintext comments where sops encrypts', () => {
    const doc = parseYaml(
      `A: ${ENC}\nB: plain\nC: ""\nD: null\nE_unencrypted: visible\nF:\n  G: 42\n  H_unencrypted:\n    I: ok\nL:\n  - ${ENC}\n  - true\nM: ENC[garbage]\n# plain comment\nN: ${ENC}\n#${ENC_COMMENT}\nO: ${ENC}\n`,
      'f',
    );
    expect(findPlaintext(doc, SEL).map((f) => [f.kind, f.name, f.path])).toEqual([
      ['value', 'B', ['B']],
      ['value', 'F.G', ['F', 'G']],
      ['value', 'L[1]', ['L', 1]],
      ['malformed', 'M', ['M']],
      ['comment', '(top level)', []],
    ]);
  });
});

describe('findPlaintext and the types sops writes', () => {
  it('accepts bytes and time values as sops writes them; an unknown type stays malformed', () => {
    const doc = parseYaml(
      `A: ${ENC.replace('type:str', 'type:bytes')}\nB: ${ENC.replace('type:str', 'type:time')}\nC: ${ENC.replace('type:str', 'type:date')}\n`,
      'f',
    );
    expect(findPlaintext(doc, SEL).map((f) => [f.kind, f.name])).toEqual([['malformed', 'C']]);
  });
});
