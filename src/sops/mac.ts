/**
 * The MAC (sops.go): SHA-512 over the bytes of every value in document order, as 128
 * upper-case hex characters. With `mac_only_encrypted` it starts from a fixed 32-byte
 * value (SHA-256 of "sops") and covers only the values that are encrypted.
 */
import { createHash, type Hash } from 'node:crypto';

/** sops.go MACOnlyEncryptedInitialization. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

/**
 * A running MAC. Reading also keeps the MAC keyfold computed before it read values as
 * sops ≥ 3.10 does (an unquoted timestamp as a time, an integer beyond int64 as a
 * float): a file keyfold wrote then still verifies. The alternative is forked lazily,
 * at the first value whose bytes differ.
 */
export class MacHash {
  private readonly primary: Hash = createHash('sha512');
  private legacy: Hash | undefined;

  constructor(macOnlyEncrypted: boolean) {
    if (macOnlyEncrypted) this.primary.update(MAC_ONLY_ENCRYPTED_INIT);
  }

  add(bytes: Uint8Array, legacyBytes?: Uint8Array): void {
    if (legacyBytes !== undefined && !this.legacy && !Buffer.from(legacyBytes).equals(Buffer.from(bytes))) this.legacy = this.primary.copy();
    this.primary.update(bytes);
    this.legacy?.update(legacyBytes ?? bytes);
  }

  /** The MAC text, then the legacy alternative when there is one. */
  digests(): string[] {
    return [this.primary, ...(this.legacy ? [this.legacy] : [])].map((h) => h.digest('hex').toUpperCase());
  }
}
