import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessError, IntegrityError } from '../../kernel/errors.js';
import { armorDecode } from './armor.js';
import { unlockHeader } from './decrypt.js';
import { parseHeader } from './format.js';
import { X25519Identity, decrypt, decryptArmored, identityToRecipient } from './index.js';
import {
  ARMORED_VECTORS,
  BINARY_VECTORS,
  FILE_KEY,
  KEY_PAIRS,
  PAYLOAD_SHA256,
  TYPAGE_SCRYPT,
  TYPAGE_X25519,
} from './testdata/cctv.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
// Stand-in payload for vectors whose real payload is not available: they fail in the header.
const STAND_IN = BINARY_VECTORS[0]!.payload!;

function fileOf(header: string, payloadHex: string): Uint8Array {
  return Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from(payloadHex, 'hex')]);
}

describe('CCTV testkit: binary vectors', () => {
  for (const v of BINARY_VECTORS) {
    const ids = [X25519Identity.parse(v.identity)];
    const file = fileOf(v.header, v.payload ?? STAND_IN);
    const openHeader = (): Uint8Array => unlockHeader(file, parseHeader(file), ids);

    it(`${v.name}: ${v.expect}`, () => {
      switch (v.expect) {
        case 'success': {
          expect(Buffer.from(openHeader()).toString('hex')).toBe(FILE_KEY);
          if (v.payload !== null) expect(sha256(decrypt(file, ids))).toBe(PAYLOAD_SHA256);
          break;
        }
        case 'no match':
          expect(openHeader).toThrow(AccessError);
          expect(() => decrypt(file, ids)).toThrow(AccessError);
          break;
        case 'header failure':
          // Must fail in the header (parse, unwrap or MAC), not later in the payload.
          expect(openHeader).toThrow(IntegrityError);
          expect(() => decrypt(file, ids)).toThrow(IntegrityError);
          break;
        default:
          throw new Error(`unexpected expectation ${v.expect}`);
      }
    });
  }
});

describe('CCTV testkit: armored vectors', () => {
  for (const v of ARMORED_VECTORS) {
    const ids = [X25519Identity.parse(v.identity)];
    it(`${v.name}: ${v.expect}`, () => {
      switch (v.expect) {
        case 'success':
          expect(sha256(decryptArmored(v.armored, ids))).toBe(v.payloadSha256);
          break;
        case 'armor failure':
          expect(() => armorDecode(v.armored)).toThrow(IntegrityError);
          expect(() => decryptArmored(v.armored, ids)).toThrow(/armor/);
          break;
        case 'header failure':
          expect(() => armorDecode(v.armored)).not.toThrow();
          expect(() => decryptArmored(v.armored, ids)).toThrow(IntegrityError);
          break;
        case 'no match':
          expect(() => decryptArmored(v.armored, ids)).toThrow(AccessError);
          break;
        default:
          throw new Error(`unexpected expectation ${v.expect}`);
      }
    });
  }
});

describe("typage's test vectors", () => {
  it('decrypts the X25519 file', () => {
    const file = Buffer.from(TYPAGE_X25519.fileBase64, 'base64');
    const ids = [X25519Identity.parse(TYPAGE_X25519.identity)];
    expect(Buffer.from(decrypt(file, ids)).toString()).toBe(TYPAGE_X25519.plaintext);
  });

  it('skips the scrypt stanza of a passphrase file (no X25519 stanza: AccessError)', () => {
    const file = Buffer.from(TYPAGE_SCRYPT.fileBase64, 'base64');
    const ids = [X25519Identity.parse(TYPAGE_X25519.identity)];
    expect(() => decrypt(file, ids)).toThrow(AccessError);
  });

  it('derives the known recipient of a known identity', () => {
    for (const { identity, recipient } of KEY_PAIRS) {
      expect(identityToRecipient(identity)).toBe(recipient);
    }
  });
});
