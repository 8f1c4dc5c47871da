/**
 * The recorded age-CLI fixtures (test/fixtures/age-cli): their manifest, the
 * deterministic plaintexts they encrypt, and the structure of an age file with the
 * random parts blanked out, so files written by keyfold today can be compared with the
 * ones the real age CLI wrote when they were recorded.
 *
 * Shared by scripts/record-age-fixtures.ts (which writes them) and
 * test/age-fixtures.test.ts (which checks keyfold against them).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export const AGE_FIXTURES = join(ROOT, 'test', 'fixtures', 'age-cli');

/**
 * `size` bytes from a seed: SHA-256(`${seed}/${i}`) for i = 0, 1, …, concatenated and cut.
 * The fixtures store the seed, the size and the SHA-256 of the result instead of the bytes.
 */
export function plaintext(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0, off = 0; off < size; i++, off += 32) {
    createHash('sha256').update(`${seed}/${i}`).digest().copy(out, off, 0, Math.min(32, size - off));
  }
  return out;
}

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export interface PlaintextRef {
  seed: string;
  size: number;
  sha256: string;
}

/** One run of a tool, as recorded: the command (paths relative to the fixture folder) and what it did. */
export interface ToolRun {
  command: string[];
  /** Fixture file given on stdin, if any. */
  stdin?: string;
  exitCode: number;
  stdoutSha256: string;
  stdoutLength: number;
  /** stdout in hex, when it is at most 64 bytes. */
  stdoutHex?: string;
  /** stdout as text, when it is text and at most 200 bytes (age-keygen -y). */
  stdoutText?: string;
  stderr: string;
}

export interface IdentityEntry {
  /** Short name used in the manifest (id1, …). */
  name: string;
  /** The identity file (as written by its maker). */
  file: string;
  madeBy: 'age-keygen' | 'keyfold generateIdentity()' | 'keyfold keygen -o (dist/keyfold.js)' | 'by hand (CRLF, comments, two keys)';
  /** `age-keygen -y FILE`: the recipient(s) age derives, one per line. */
  ageKeygenY: ToolRun;
}

export interface EncryptedEntry {
  /** The encrypted file, relative to the fixture folder. */
  file: string;
  /** Who wrote it. */
  by: 'age' | 'keyfold';
  /** age: the `age -e` command line; keyfold: the function called. */
  command: string[];
  armored: boolean;
  /** Identity names it was encrypted to, in order. */
  recipients: string[];
  plaintext: PlaintextRef;
  /** keyfold files: `age -d -i IDENTITY < FILE`, once per recipient. */
  ageDecrypt?: ToolRun[];
}

export interface TamperEntry {
  /** The untampered file (an entry in `files`). */
  of: string;
  /** Byte offset flipped, from the end of the file when negative. */
  offset: number;
  xor: number;
  /** Where the byte is: payload, header MAC, stanza body. */
  where: string;
  /** What `age -d` did with the tampered bytes (it must refuse: non-zero exit). */
  ageDecrypt: ToolRun;
}

export interface SopsEntry {
  /** The SOPS file. */
  file: string;
  by: string;
  /** The plaintext YAML it was made from (keyfold) or the expected decrypted document (hand-made). */
  plain?: string;
  expectedJson?: string;
  /** Identity names of the sops.age entries, in order. */
  recipients: string[];
  /** `age -d -i IDENTITY` of each sops.age[].enc, in order: the data key. */
  ageDecrypt: ToolRun[];
}

export interface AgeFixtureManifest {
  recorded: string;
  age: { version: string; ageKeygenVersion: string };
  keyfold: { version: string; commit: string };
  generator: string;
  identities: IdentityEntry[];
  files: EncryptedEntry[];
  tampered: TamperEntry[];
  sops: SopsEntry[];
}

/** The ways an age file may differ from another of the same kind without a format change. */
export interface AgeShape {
  armor: null | { begin: string; end: string; columns: number; lastLineOk: boolean; trailingNewline: boolean };
  /** Header lines with every base64 string replaced by `<b64:LEN>`. */
  header: string[];
  /** Payload: 16-byte nonce, then chunks of up to 64 KiB + 16-byte tag. */
  payload: { length: number; plaintextLength: number | null };
}

const B64_RUN = /[A-Za-z0-9+/]{20,}|^[A-Za-z0-9+/]{1,}$/g;
const CHUNK = 64 * 1024;

/** The plaintext length a payload of `n` bytes holds (null if no STREAM layout fits). */
export function payloadPlaintextLength(n: number): number | null {
  if (n < 16 + 16) return null;
  const body = n - 16;
  const chunks = Math.ceil(body / (CHUNK + 16));
  const pt = body - chunks * 16;
  if (pt < 0) return null;
  // A full last chunk is only allowed when it is the only one or the plaintext is non-empty.
  return Math.ceil(Math.max(pt, 1) / CHUNK) === chunks ? pt : null;
}

/** The structure of an (armored or binary) age file with random parts blanked. */
export function ageShape(file: Uint8Array | string): AgeShape {
  let bin: Buffer;
  let armor: AgeShape['armor'] = null;
  if (typeof file === 'string') {
    const lines = file.split('\n');
    const trailingNewline = lines.at(-1) === '';
    if (trailingNewline) lines.pop();
    const body = lines.slice(1, -1);
    armor = {
      begin: lines[0]!,
      end: lines.at(-1)!,
      columns: Math.max(...body.slice(0, -1).map((l) => l.length), body.at(-1)?.length ?? 0),
      lastLineOk: body.length > 0 && body.at(-1)!.length >= 1 && body.at(-1)!.length <= 64 && body.slice(0, -1).every((l) => l.length === 64),
      trailingNewline,
    };
    bin = Buffer.from(body.join(''), 'base64');
  } else {
    bin = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  }
  const header: string[] = [];
  let pos = 0;
  for (;;) {
    const eol = bin.indexOf(0x0a, pos);
    if (eol < 0) throw new Error('no end of header');
    const line = bin.subarray(pos, eol).toString('latin1');
    pos = eol + 1;
    header.push(line.replace(B64_RUN, (m) => `<b64:${m.length}>`));
    if (line.startsWith('--- ')) break;
  }
  const length = bin.length - pos;
  return { armor, header, payload: { length, plaintextLength: payloadPlaintextLength(length) } };
}
