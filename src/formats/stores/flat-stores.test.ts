/** The dotenv and INI stores, and sops' metadata flattening, against what sops writes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document } from 'yaml';
import { dotenvStore } from './dotenv.js';
import { flattenMetadata, unflattenMetadata } from './flatten.js';
import { iniStore, parseIni } from './ini.js';
import { goFloatG } from './val-to-string.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const plainOf = (doc: Document) => doc.toJS({ mapAsMap: false }) as unknown;

const META = {
  age: [
    { recipient: 'age1aaa', enc: '-----BEGIN AGE ENCRYPTED FILE-----\nYWJj\n-----END AGE ENCRYPTED FILE-----\n' },
    { recipient: 'age1bbb', enc: 'x' },
  ],
  lastmodified: '2024-03-26T00:43:54Z',
  mac: 'ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
  unencrypted_suffix: '_unencrypted',
  version: '3.8.1',
};

describe('metadata flattening (stores/flatten.go)', () => {
  it('flattens as recent sops versions write it: sorted keys, __list_N__map_ paths, Go scalars', () => {
    expect(flattenMetadata({ ...META, shamir_threshold: 2, mac_only_encrypted: true }).map(([k]) => k)).toEqual([
      'age__list_0__map_enc',
      'age__list_0__map_recipient',
      'age__list_1__map_enc',
      'age__list_1__map_recipient',
      'lastmodified',
      'mac',
      'mac_only_encrypted',
      'shamir_threshold',
      'unencrypted_suffix',
      'version',
    ]);
    expect(Object.fromEntries(flattenMetadata({ shamir_threshold: 2, mac_only_encrypted: true }))).toEqual({ shamir_threshold: '2', mac_only_encrypted: 'true' });
  });

  it('unflattens what it flattens, in any order, key groups included', () => {
    const meta = { key_groups: [{ age: [{ recipient: 'r1', enc: 'e1' }] }, { age: [{ recipient: 'r2', enc: 'e2' }] }], lastmodified: 'l', shamir_threshold: '2' };
    const flat = flattenMetadata(meta).reverse();
    expect(flat[0]![0]).toBe('shamir_threshold');
    expect(unflattenMetadata(flat, 'f')).toEqual(meta);
  });

  it('refuses a list with a gap, a duplicate key, and a value that is also a container', () => {
    expect(() => unflattenMetadata([['age__list_1__map_enc', 'x']], 'f')).toThrow(/gap/);
    expect(() => unflattenMetadata([['mac', 'x'], ['mac', 'y']], 'f')).toThrow(/twice/);
    expect(() => unflattenMetadata([['age', 'x'], ['age__list_0__map_enc', 'y']], 'f')).toThrow(/both/);
  });
});

describe('dotenv store (stores/dotenv)', () => {
  const SOPS_FILE = [
    '#ENC[AES256_GCM,data:Y29t,iv:AA==,tag:AA==,type:comment]',
    'secret=ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
    'plain_unencrypted=a\\nb',
    'sops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\nYWJj\\n-----END AGE ENCRYPTED FILE-----\\n',
    'sops_age__list_0__map_recipient=age1aaa',
    'sops_lastmodified=2024-03-26T00:43:54Z',
    'sops_mac=ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
    'sops_unencrypted_suffix=_unencrypted',
    'sops_version=3.8.1',
    '',
  ].join('\n');

  it('splits a file as sops does: flat values, \\n escapes, comments, sops_* metadata', () => {
    const { doc, meta } = dotenvStore.load(SOPS_FILE, 'f.env');
    expect(plainOf(doc)).toEqual({ secret: 'ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]', plain_unencrypted: 'a\nb' });
    expect(meta['age']).toEqual([{ enc: '-----BEGIN AGE ENCRYPTED FILE-----\nYWJj\n-----END AGE ENCRYPTED FILE-----\n', recipient: 'age1aaa' }]);
    expect(meta['version']).toBe('3.8.1');
    expect(dotenvStore.emit(doc, meta)).toBe(SOPS_FILE);
  });

  it('keeps values verbatim (no quotes, no export) and refuses lines without "="', () => {
    const doc = dotenvStore.loadPlain(bytes('A="quoted"\nexport B=1\nC= spaced \n\n#note\nD=x=y\n'), 'p.env');
    expect(plainOf(doc)).toEqual({ A: '"quoted"', 'export B': '1', C: ' spaced ', D: 'x=y' });
    expect(() => dotenvStore.loadPlain(bytes('A=1\njunk\n'), 'p.env')).toThrow(/p\.env:2/);
    expect(() => dotenvStore.load('A=1\n', 'p.env')).toThrow(/no sops metadata/);
  });

  it('writes flat keys only; non-strings as sops ValToString writes them', () => {
    expect(dotenvStore.emitPlain(new Document({ f: 3, g: 1.5e-7, b: true, n: 12n })).toString()).toBe('f=3.0\ng=1.5E-07\nb=true\nn=12\n');
    expect(() => dotenvStore.emitPlain(new Document({ a: { b: 'c' } }))).toThrow(/map or list/);
  });

  it('round-trips any flat document of strings (fast-check)', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/).filter((k) => !k.startsWith('sops_'));
    const value = fc.string({ maxLength: 30 }).filter((v) => !v.includes('\\n') && !v.includes('\r'));
    const comment = fc.option(fc.string({ maxLength: 20 }).filter((c) => !c.includes('\n') && !c.includes('\r')), { nil: undefined });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value, comment), { selector: ([k]) => k, maxLength: 8 }), (entries) => {
        const text = entries.map(([k, v, c]) => `${c === undefined ? '' : `#${c}\n`}${k}=${v.replaceAll('\n', '\\n')}\n`).join('');
        const doc = dotenvStore.loadPlain(bytes(text), 'p.env');
        expect(plainOf(doc)).toEqual(Object.fromEntries(entries.map(([k, v]) => [k, v])));
        expect(dotenvStore.emitPlain(doc).toString()).toBe(text);
      }),
    );
  });
});

describe('INI store (stores/ini over ini.v1)', () => {
  // Layout as sops 3.9.1 wrote terraform-provider-sops' sample.sops.ini ([sops] keys sorted).
  const SOPS_FILE = [
    'top = ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
    '',
    '[database]',
    '; ENC[AES256_GCM,data:Y29t,iv:AA==,tag:AA==,type:comment]',
    'host     = ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
    'port     = ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
    'username = ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
    '',
    '[sops]',
    'age__list_0__map_enc       = -----BEGIN AGE ENCRYPTED FILE-----\\nYWJj\\n-----END AGE ENCRYPTED FILE-----\\n',
    'age__list_0__map_recipient = age1aaa',
    'lastmodified               = 2024-11-27T22:15:37Z',
    'mac                        = ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]',
    'unencrypted_suffix         = _unencrypted',
    'version                    = 3.9.1',
    '',
  ].join('\n');

  it('splits and writes a file as sops does: DEFAULT without a header, aligned keys, the [sops] section', () => {
    const { doc, meta } = iniStore.load(SOPS_FILE, 'f.ini');
    expect(Object.keys(plainOf(doc) as object)).toEqual(['DEFAULT', 'database']);
    expect((plainOf(doc) as Record<string, Record<string, string>>)['database']!['port']).toMatch(/^ENC\[/);
    expect(meta['lastmodified']).toBe('2024-11-27T22:15:37Z');
    expect((meta['age'] as Array<Record<string, string>>)[0]!['enc']).toContain('\nYWJj\n');
    expect(iniStore.emit(doc, meta)).toBe(SOPS_FILE);
  });

  it("reads values as ini.v1 does: quotes, inline comments, continuations, multi-line and backtick values", () => {
    const text = [
      '; head comment',
      'a = 1',
      '[s]',
      'q = "  spaced  "',
      "sq = 'x'",
      'c = value ; inline',
      'h = v#x',
      'cont = one \\',
      '  two',
      'ml = """line1',
      'line2"""',
      'bt = `a;b`',
      'k: colon',
      '"quoted key" = qk',
      'empty =',
      'dup = first',
      'dup = second',
    ].join('\n');
    const doc = parseIni(text, 'p.ini');
    expect(plainOf(doc)).toEqual({
      DEFAULT: { a: '1' },
      s: { q: '  spaced  ', sq: 'x', c: 'value', h: 'v', cont: 'one two', ml: 'line1\nline2', bt: 'a;b', k: 'colon', 'quoted key': 'qk', empty: '', dup: 'second' },
    });
    const a = doc.getIn(['DEFAULT', 'a'], true);
    expect(a).toBeDefined();
    expect((doc.contents as { items: Array<{ value: { items: Array<{ key: { commentBefore?: string } }> } }> }).items[0]!.value.items[0]!.key.commentBefore).toBe('head comment');
  });

  it('writes values with the quoting ini.v1 needs to read them back', () => {
    const doc = new Document({ s: { nl: 'a\nb', semi: 'a;b', pad: ' x ', plain: 'v', f: 2, t: true } });
    const text = iniStore.emitPlain(doc).toString();
    expect(text).toBe('[s]\nnl    = """a\nb"""\nsemi  = `a;b`\npad   = " x "\nplain = v\nf     = 2.0\nt     = true\n');
    expect(plainOf(parseIni(text, 'p.ini'))).toEqual({ s: { nl: 'a\nb', semi: 'a;b', pad: ' x ', plain: 'v', f: '2.0', t: 'true' } });
    expect(() => iniStore.emitPlain(new Document({ top: 'x' }))).toThrow(/section/);
  });

  it('round-trips sections of strings (fast-check)', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,10}$/).filter((n) => n !== 'sops' && n.toUpperCase() !== 'DEFAULT');
    const value = fc.string({ maxLength: 20 }).filter((v) => !/[`\r\\"']/.test(v) && !v.includes('"""') && v.trim() !== '' && !/^\s*\n/.test(v));
    const section = fc.uniqueArray(fc.tuple(name, value), { selector: ([k]) => k, minLength: 1, maxLength: 5 }).map((e) => Object.fromEntries(e));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, section), { selector: ([k]) => k, maxLength: 4 }), (sections) => {
        const expected = Object.fromEntries(sections);
        const text = iniStore.emitPlain(new Document(expected)).toString();
        expect(plainOf(parseIni(text, 'p.ini'))).toEqual(expected);
      }),
    );
  });
});

describe("sops' ValToString for floats (strconv 'G', at least one decimal)", () => {
  it('matches Go', () => {
    expect([3, 1234.56789, 1e6, 123456, 1e-5, 0.0001, -2.5, 1e21, NaN, -0].map(goFloatG)).toEqual(['3.0', '1234.56789', '1E+06', '123456.0', '1E-05', '0.0001', '-2.5', '1E+21', 'NaN', '-0.0']);
  });
});
