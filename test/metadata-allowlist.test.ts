/**
 * S1 metadata allowlist and S10 (no symlinks, no file content in errors), end to end.
 *
 * A file under `secrets/` whose sops metadata keyfold would not have written is refused
 * with exit 5 by every command that reads it, before any decryption: the commands run
 * with an identity that is NOT a recipient, which would give exit 4 if decryption were
 * attempted (the control file shows that). Outside `secrets/`, `keyfold decrypt` stays
 * sops-lenient and decrypts the same bytes where they are decryptable.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachSopsBlock } from '../src/formats/stores/nested-metadata.js';
import { encryptTree } from '../src/sops/encrypt-tree.js';
import { emitSopsMetadata, nextLastModified, SOPS_VERSION, type Selection, type SopsMetadata } from '../src/sops/metadata.js';
import { encryptArmored } from '../src/crypto/age/index.js';
import { newDataKey, type AgeEnvelope } from '../src/crypto/data-key.js';
import { parseYaml, stringifyYaml } from '../src/formats/yaml.js';
import type { CliResult } from './helpers/cli.js';
import { makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';
import { AGE_CLI, TOOLS, liveChecks } from './helpers/tools.js';

const CANARY = 'CANARY-5c0ffee-metadata';
const SECRET = 'sk-live-metadata-secret-value-91b2';

/** The plaintext of every fixture: the canary as a comment, a key name and a value. */
const PLAIN_TEXT = `# ${CANARY} comment\nAPI_KEY: ${SECRET}\n${CANARY}_KEY: ${CANARY}-value\npublic_note: hello\n`;
const PLAIN_JS = { API_KEY: SECRET, [`${CANARY}_KEY`]: `${CANARY}-value`, public_note: 'hello' };

interface Variant {
  selection?: Selection;
  macOnlyEncrypted?: boolean;
  omitMac?: boolean;
  /** Extra raw fields for the sops block (e.g. a pgp entry). */
  extra?: Record<string, unknown>;
  /** Build the key groups from the data key (default: one group, admin only). */
  groups?: (dataKey: Uint8Array) => { groups: AgeEnvelope[][]; threshold: number };
}

/** A SOPS file with exactly the requested metadata, through keyfold's own primitives. */
function buildSopsFile(v: Variant, admin: TestIdentity): string {
  const dataKey = newDataKey();
  const selection: Selection = v.selection ?? { kind: 'unencrypted_suffix', value: '_unencrypted' };
  const lastModified = nextLastModified(new Date());
  const { doc, mac } = encryptTree(parseYaml(PLAIN_TEXT, 'fixture'), dataKey, { selection, macOnlyEncrypted: v.macOnlyEncrypted ?? false }, lastModified, undefined, 'fixture');
  const { groups, threshold } = v.groups?.(dataKey) ?? { groups: [[{ recipient: admin.recipient, enc: encryptArmored(dataKey, [admin.recipient]) }]], threshold: 1 };
  const meta: SopsMetadata = {
    groups,
    threshold,
    lastModified,
    mac: v.omitMac ? undefined : mac,
    selection,
    macOnlyEncrypted: v.macOnlyEncrypted ?? false,
    version: SOPS_VERSION,
    foreignSources: [],
  };
  const raw = emitSopsMetadata(meta);
  // emitSopsMetadata writes `shamir_threshold` only for several groups, from meta.threshold.
  attachSopsBlock(doc, { ...raw, ...v.extra });
  return stringifyYaml(doc);
}

/** The one case built with the real age CLI is skipped where age is not installed. */
const ageLive = liveChecks(AGE_CLI);
function ageCli(args: string[], input: Uint8Array): string {
  return execFileSync(TOOLS.age!, args, { input, encoding: 'utf8' });
}

interface Case {
  name: string;
  variant: (admin: TestIdentity, outsider: TestIdentity) => Variant;
  /** What the refusal names (pins the 5 to this S1 check, not to crypto or another check). */
  reason: RegExp;
  /** What `keyfold decrypt` with the admin's identity does outside secrets/. */
  lenient: 0 | 5;
  /** What it does with the outsider's identity (default 4: decryption was attempted). */
  outsiderLenient?: 0 | 4;
  /** Built with the age CLI: a live check. */
  needsAgeCli?: boolean;
}

const cases: Case[] = [
  { name: 'unencrypted_regex', reason: /\bunencrypted_regex\b/, variant: () => ({ selection: { kind: 'unencrypted_regex', value: new RegExp(`^(public|${CANARY})`) } }), lenient: 0 },
  { name: 'encrypted_regex', reason: /(^|[^_])encrypted_regex\b/, variant: () => ({ selection: { kind: 'encrypted_regex', value: /^API/ } }), lenient: 0 },
  { name: 'encrypted_suffix', reason: /(^|[^_])encrypted_suffix\b/, variant: () => ({ selection: { kind: 'encrypted_suffix', value: '_KEY' } }), lenient: 0 },
  { name: 'mac_only_encrypted: true', reason: /\bmac_only_encrypted\b/, variant: () => ({ macOnlyEncrypted: true }), lenient: 0 },
  {
    name: 'a non-empty pgp entry',
    reason: /\bpgp\b/,
    variant: () => ({
      extra: { pgp: [{ created_at: '2024-01-01T00:00:00Z', enc: `-----BEGIN PGP MESSAGE-----\n${CANARY}\n-----END PGP MESSAGE-----\n`, fp: CANARY }] },
    }),
    lenient: 0,
  },
  {
    name: 'a non-empty kms entry',
    reason: /\bkms\b/,
    variant: () => ({
      extra: { kms: [{ arn: `arn:aws:kms:us-east-1:000000000000:key/${CANARY}`, created_at: '2024-01-01T00:00:00Z', enc: CANARY, aws_profile: '' }] },
    }),
    lenient: 0,
  },
  // sops refuses a file without a MAC too, so it is not decryptable anywhere.
  { name: 'no mac', reason: /\bMAC\b/, variant: () => ({ omitMac: true }), lenient: 5 },
  {
    // The hidden second stanza is the outsider's: leniently they read the file; under
    // secrets/ they are refused (5) although decryption would succeed for them.
    name: 'an envelope with two X25519 stanzas',
    reason: /\bX25519\b|\bstanza/,
    outsiderLenient: 0,
    variant: (admin, outsider) => ({
      groups: (dataKey) => ({
        groups: [[{ recipient: admin.recipient, enc: encryptArmored(dataKey, [admin.recipient, outsider.recipient]) }]],
        threshold: 1,
      }),
    }),
    lenient: 0,
  },
  {
    name: 'an envelope with two X25519 stanzas, made by the age CLI',
    reason: /\bX25519\b|\bstanza/,
    needsAgeCli: true,
    outsiderLenient: 0,
    variant: (admin, outsider) => ({
      groups: (dataKey) => ({
        groups: [[{ recipient: admin.recipient, enc: ageCli(['-e', '-a', '-r', admin.recipient, '-r', outsider.recipient], dataKey) }]],
        threshold: 1,
      }),
    }),
    lenient: 0,
  },
  {
    // Each group holds the whole data key, so any one group's member could read alone.
    // Shamir needs two shares to combine, so (as with sops) it does not decrypt anywhere.
    name: 'two key groups with shamir_threshold: 1',
    reason: /threshold/,
    variant: (admin) => ({
      groups: (dataKey) => ({
        groups: [
          [{ recipient: admin.recipient, enc: encryptArmored(dataKey, [admin.recipient]) }],
          [{ recipient: admin.recipient, enc: encryptArmored(dataKey, [admin.recipient]) }],
        ],
        threshold: 1,
      }),
    }),
    lenient: 5,
  },
  { name: 'an unknown sops field', reason: /\bkeyfold_extra\b/, variant: () => ({ extra: { keyfold_extra: CANARY } }), lenient: 0 },
];

function expectRefused(r: CliResult, what: string): void {
  expect(r.code, `${what}: exit code (stderr: ${r.stderr})`).toBe(5);
  expectCleanError(r, what);
}

function expectCleanError(r: CliResult, what: string): void {
  expect(r.stdout, `${what}: stdout`).toBe('');
  expect(r.stderr, `${what}: one line`).toMatch(/^keyfold: [^\n]+\n$/);
  expect(r.stderr, `${what}: no stack trace`).not.toMatch(/\n\s+at |node:internal/);
  for (const s of [CANARY, SECRET, 'BEGIN PGP']) expect(r.stderr + r.stdout, `${what}: file content in output`).not.toContain(s);
}

describe('S1: metadata outside the allowlist is refused under secrets/, before decryption', () => {
  let repo: TestRepo;
  let outsider: TestIdentity;
  const texts = new Map<string, string>();

  beforeAll(async () => {
    repo = await makeRepo({ members: ['outsider'] });
    outsider = repo.identity('outsider');
    mkdirSync(join(repo.dir, 'secrets', 'dev', 'meta'), { recursive: true });
    mkdirSync(join(repo.dir, 'other'), { recursive: true });
    mkdirSync(join(repo.dir, '..', 'elsewhere'), { recursive: true });
    const built = cases.flatMap((c, i) => (c.needsAgeCli && !ageLive.present ? [] : [[`case${i}`, c.variant(repo.admin, outsider)] as const]));
    const all = [...built, ['control', {}] as const];
    for (const [name, variant] of all) {
      const text = buildSopsFile(variant, repo.admin);
      texts.set(name, text);
      for (const dir of [join(repo.dir, 'secrets', 'dev', 'meta'), join(repo.dir, 'other'), join(repo.dir, '..', 'elsewhere')]) {
        writeFileSync(join(dir, `${name}.yaml`), text);
      }
    }
  });

  afterAll(() => repo?.cleanup());

  it('control: a file keyfold itself would write reads normally; a non-recipient gets 4, not 5', async () => {
    const ok = await repo.run(['get', 'dev/meta/control', 'API_KEY']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${SECRET}\n`);
    const ls = await repo.run(['ls', 'dev/meta/control'], { as: outsider });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('API_KEY');
    const denied = await repo.run(['get', 'dev/meta/control', 'API_KEY'], { as: outsider });
    expect(denied.code).toBe(4);
    expectCleanError(denied, 'control as outsider');
  });

  cases.forEach((c, i) => {
    const test = c.needsAgeCli ? ageLive.it : it;
    test.concurrent(`${c.name}: get, show, set and decrypt exit 5 with a non-recipient identity; ls skips the file`, async () => {
      const ref = `dev/meta/case${i}`;
      const file = join(repo.dir, 'secrets', 'dev', 'meta', `case${i}.yaml`);
      const text = texts.get(`case${i}`)!;
      expect(text).toContain(CANARY); // the canary really is in the file
      for (const args of [['get', ref, 'API_KEY'], ['show', ref], ['set', ref, 'NEW_KEY', '--stdin'], ['decrypt', file]]) {
        const r = await repo.run(args, { as: outsider, input: 'new-value' });
        expectRefused(r, `${c.name}: ${args[0]}`);
        expect(r.stderr).toMatch(/refused/);
        expect(r.stderr).toMatch(c.reason);
      }
      // A listing goes on past the refused file: named in a warning, its keys not listed.
      const ls = await repo.run(['ls', ref], { as: outsider });
      expect(ls.code, `${c.name}: ls: ${ls.stderr}`).toBe(0);
      expect(ls.stdout).toBe('');
      expect(ls.stderr).toMatch(new RegExp(`^keyfold: warning: skipped secrets/dev/meta/case${i}\\.yaml: refused[^\\n]+\\n$`));
      expect(ls.stderr).toMatch(c.reason);
      expect(ls.stderr).not.toContain(CANARY);
      // With the right identity it is refused all the same.
      const admin = await repo.run(['get', ref, 'API_KEY']);
      expectRefused(admin, `${c.name}: get as admin`);
      expect(admin.stderr).toMatch(c.reason);
      expect(readFileSync(file, 'utf8')).toBe(text);
    });

    test.concurrent(`${c.name}: outside secrets/, decrypt is sops-lenient`, async () => {
      const inRepo = join(repo.dir, 'other', `case${i}.yaml`);
      const elsewhere = join(repo.dir, '..', 'elsewhere', `case${i}.yaml`);
      // A non-recipient now gets 4: the metadata is accepted and decryption is attempted.
      const denied = await repo.run(['decrypt', inRepo, ...(c.outsiderLenient === 0 ? ['--json'] : [])], { as: outsider });
      expect(denied.code, `${c.name}: ${denied.stderr}`).toBe(c.outsiderLenient ?? 4);
      if (c.outsiderLenient === 0) expect(Object.values(JSON.parse(denied.stdout) as Record<string, unknown>)).toEqual([PLAIN_JS]);
      else expectCleanError(denied, `${c.name}: lenient decrypt as outsider`);
      for (const path of [inRepo, elsewhere]) {
        const r = await repo.run(['decrypt', path, '--json']);
        if (c.lenient === 0) {
          expect(r.stderr, c.name).toBe('');
          expect(r.code).toBe(0);
          expect(Object.values(JSON.parse(r.stdout) as Record<string, unknown>)).toEqual([PLAIN_JS]);
        } else {
          expect(r.code, `${c.name}: ${r.stderr}`).toBe(5);
          expect(r.stdout).toBe('');
          expect(r.stderr).not.toContain(CANARY);
        }
      }
    });
  });
});

describe('S10: symlinks under secrets/ are refused, never followed', () => {
  let repo: TestRepo;
  let target: string; // a valid file outside secrets/
  let targetText: string;
  let linkedDir: string; // a directory outside secrets/ holding a valid file

  beforeAll(async () => {
    repo = await makeRepo();
    const r = await repo.run(['set', 'dev/real/db', 'API_KEY', '--stdin'], { input: SECRET });
    if (r.code !== 0) throw new Error(r.stderr);
    targetText = readFileSync(join(repo.dir, 'secrets', 'dev', 'real', 'db.yaml'), 'utf8');
    const outside = join(repo.dir, '..', 'outside');
    linkedDir = join(outside, 'dir');
    mkdirSync(linkedDir, { recursive: true });
    target = join(outside, 'target.yaml');
    writeFileSync(target, targetText);
    writeFileSync(join(linkedDir, 'db.yaml'), targetText);
    mkdirSync(join(repo.dir, 'secrets', 'dev', 'links'), { recursive: true });
    symlinkSync(target, join(repo.dir, 'secrets', 'dev', 'links', 'file.yaml'));
    symlinkSync(linkedDir, join(repo.dir, 'secrets', 'dev', 'linkdir'));
  });

  afterAll(() => repo?.cleanup());

  const unchanged = () => {
    expect(readFileSync(target, 'utf8')).toBe(targetText);
    expect(readFileSync(join(linkedDir, 'db.yaml'), 'utf8')).toBe(targetText);
    expect(lstatSync(join(repo.dir, 'secrets', 'dev', 'links', 'file.yaml')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(repo.dir, 'secrets', 'dev', 'linkdir')).isSymbolicLink()).toBe(true);
  };

  it('a symlinked file: get, show, set and decrypt exit 5 even for a recipient; ls skips it', async () => {
    const file = join(repo.dir, 'secrets', 'dev', 'links', 'file.yaml');
    for (const args of [
      ['get', 'dev/links/file', 'API_KEY'],
      ['show', 'dev/links/file'],
      ['set', 'dev/links/file', 'API_KEY', '--stdin'],
      ['set', 'dev/links/file', 'OTHER', '--stdin'],
      ['decrypt', file],
    ]) {
      const r = await repo.run(args, { input: `overwritten-${CANARY}` });
      expectRefused(r, `symlinked file: ${args.join(' ')}`);
      expect(r.stderr).toMatch(/symlink/);
    }
    // Listings skip it, name it in a warning, and list the rest.
    for (const args of [['ls', 'dev/links'], ['ls']]) {
      const r = await repo.run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr).toMatch(/^keyfold: warning: skipped secrets\/dev\/links\/file\.yaml: a symlink/m);
      expect(r.stdout + r.stderr).not.toContain(CANARY);
    }
    expect((await repo.run(['ls'])).stdout).toContain('dev/real/db');
    unchanged();
  });

  it('a symlinked directory: get, set (existing and new file) exit 5, ls skips it; nothing written through it', async () => {
    for (const args of [
      ['get', 'dev/linkdir/db', 'API_KEY'],
      ['show', 'dev/linkdir/db'],
      ['set', 'dev/linkdir/db', 'API_KEY', '--stdin'],
      ['set', 'dev/linkdir/new', 'API_KEY', '--stdin'],
      ['set', 'dev/linkdir/sub/new', 'API_KEY', '--stdin'],
      ['decrypt', join(repo.dir, 'secrets', 'dev', 'linkdir', 'db.yaml')],
    ]) {
      const r = await repo.run(args, { input: `overwritten-${CANARY}` });
      expectRefused(r, `symlinked dir: ${args.join(' ')}`);
    }
    const ls = await repo.run(['ls', 'dev/linkdir']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toBe('');
    expect(ls.stderr).toMatch(/^keyfold: warning: skipped secrets\/dev\/linkdir: a symlink/);
    unchanged();
    expect(() => lstatSync(join(linkedDir, 'new.yaml'))).toThrow();
    expect(() => lstatSync(join(linkedDir, 'sub'))).toThrow();
  });

  it('decrypt of the secrets/ directory skips symlinks instead of following them', async () => {
    const r = await repo.run(['decrypt', join(repo.dir, 'secrets'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toHaveLength(1);
    expect(Object.keys(out)[0]).toMatch(/secrets\/dev\/real\/db\.yaml$/);
  });

  it('control: the same bytes at a regular path decrypt', async () => {
    const r = await repo.run(['get', 'dev/real/db', 'API_KEY']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${SECRET}\n`);
  });
});
