/**
 * Bech32 (BIP 173 checksum, not bech32m) as used by age for `age1…` recipients and
 * `AGE-SECRET-KEY-1…` identities.
 *
 * Strict like age's own implementation: no mixed case, the checksum is verified over the
 * lower-cased string, the 5-to-8-bit conversion must not leave a full group or non-zero padding
 * bits. Unlike BIP 173 there is no 90-character limit (age lifts it; callers check exact lengths).
 * Decoding reports failure as `null` so that callers can raise an error that never echoes the
 * input, which may be a secret key.
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3] as const;

const CHARSET_REV = (() => {
  const rev = new Int8Array(128).fill(-1);
  for (let i = 0; i < CHARSET.length; i++) rev[CHARSET.charCodeAt(i)] = i;
  return rev;
})();

function polymodStep(chk: number, v: number): number {
  const top = chk >>> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ v;
  for (let i = 0; i < 5; i++) {
    if ((top >>> i) & 1) chk ^= GENERATOR[i]!;
  }
  return chk;
}

/** Checksum state after the expanded, lower-case human-readable part. */
function hrpPolymod(hrp: string): number {
  let chk = 1;
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) >>> 5);
  chk = polymodStep(chk, 0);
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) & 31);
  return chk;
}

/** Encode `data` under `hrp` (which must be lower case). The result is lower case. */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  if (hrp.length === 0 || hrp !== hrp.toLowerCase()) throw new TypeError('bech32: invalid hrp');
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) throw new TypeError('bech32: invalid hrp');
  }
  const words: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of data) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >>> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);

  let chk = hrpPolymod(hrp);
  for (const w of words) chk = polymodStep(chk, w);
  for (let i = 0; i < 6; i++) chk = polymodStep(chk, 0);
  chk ^= 1;

  let out = hrp + '1';
  for (const w of words) out += CHARSET[w];
  for (let i = 0; i < 6; i++) out += CHARSET[(chk >>> (5 * (5 - i))) & 31];
  return out;
}

export interface Bech32Decoded {
  /** The human-readable part, in the case it was written in. */
  readonly hrp: string;
  readonly data: Buffer;
}

/** Decode a bech32 string; null if it is not valid, strict bech32. */
export function bech32Decode(s: string): Bech32Decoded | null {
  // Strictly ASCII: toLowerCase maps e.g. U+212A KELVIN SIGN to an ASCII "k".
  if (!/^[\x21-\x7e]+$/.test(s)) return null;
  const lower = s.toLowerCase();
  if (lower !== s && s.toUpperCase() !== s) return null; // mixed case
  const pos = lower.lastIndexOf('1');
  if (pos < 1 || pos + 7 > lower.length) return null;
  const hrp = lower.slice(0, pos);
  for (let i = 0; i < pos; i++) {
    const c = lower.charCodeAt(i);
    if (c < 33 || c > 126) return null;
  }

  let chk = hrpPolymod(hrp);
  const nWords = lower.length - pos - 1 - 6;
  const out = Buffer.alloc((nWords * 5) >> 3);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = pos + 1; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const v = c < 128 ? CHARSET_REV[c]! : -1;
    if (v < 0) return null;
    chk = polymodStep(chk, v);
    if (i < lower.length - 6) {
      acc = ((acc << 5) | v) & 0xfff;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >>> bits) & 0xff;
      }
    }
  }
  if (chk !== 1) return null;
  // Leftover bits must be fewer than a full 5-bit group and all zero.
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return null;
  return { hrp: s.slice(0, pos), data: out };
}
