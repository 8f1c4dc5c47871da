/**
 * The floor for bulk decrypt: a minimal single-thread reader. Parse each file with the
 * yaml Document API, unwrap one X25519 stanza, AES-GCM per value, SHA-512 MAC — only the
 * node:crypto work decryption needs, no validation beyond it (README, Performance).
 */
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

export function bech32Data(s: string): Buffer {
  const data = s.slice(s.lastIndexOf('1') + 1, -6).toLowerCase();
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const c of data) {
    acc = (acc << 5) | BECH32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

export function floorUnwrap(enc: string, priv: ReturnType<typeof createPrivateKey>, ourPub: Buffer): Buffer {
  const b64 = enc.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const file = Buffer.from(b64, 'base64');
  const text = file.toString('latin1');
  const stanza = text.indexOf('-> X25519 ');
  const lineEnd = text.indexOf('\n', stanza);
  const share = Buffer.from(text.slice(stanza + 10, lineEnd), 'base64');
  const bodyEnd = text.indexOf('\n', lineEnd + 1);
  const body = Buffer.from(text.slice(lineEnd + 1, bodyEnd), 'base64');
  const macEnd = text.indexOf('\n', text.indexOf('\n---', bodyEnd) + 1);
  // JWK import: ~7 µs on Node 20 against ~96 µs for SPKI DER (same key).
  const shared = diffieHellman({ privateKey: priv, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }, format: 'jwk' }) });
  const wrapKey = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([share, ourPub]), 'age-encryption.org/v1/X25519', 32));
  const d = createDecipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: 16 });
  d.setAuthTag(body.subarray(16));
  const fileKey = Buffer.concat([d.update(body.subarray(0, 16)), d.final()]);
  // Payload: one chunk (nonce 16 bytes, then ciphertext + tag).
  const payload = file.subarray(macEnd + 1);
  const payloadKey = Buffer.from(hkdfSync('sha256', fileKey, payload.subarray(0, 16), 'payload', 32));
  const nonce = Buffer.alloc(12);
  nonce[11] = 1;
  const pd = createDecipheriv('chacha20-poly1305', payloadKey, nonce, { authTagLength: 16 });
  const ct = payload.subarray(16);
  pd.setAuthTag(ct.subarray(ct.length - 16));
  return Buffer.concat([pd.update(ct.subarray(0, ct.length - 16)), pd.final()]);
}

const ENC = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$/;

function aesDecrypt(value: string, key: Buffer, aad: string): Buffer {
  const m = ENC.exec(value)!;
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2]!, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(m[3]!, 'base64'));
  return Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]);
}

/** Decrypt all values of a parsed file with a known data key and verify the MAC. */
export function floorValues(doc: ReturnType<typeof parseDocument>, key: Buffer): Record<string, string> {
  const root = doc.contents as Node;
  const out: Record<string, string> = {};
  const hash = createHash('sha512');
  let macEnc = '';
  let lastModified = '';
  if (!isMap(root)) throw new Error('not a map');
  for (const pair of root.items) {
    const k = String((pair.key as { value: unknown }).value);
    if (k === 'sops') {
      const sops = pair.value as Node;
      if (isMap(sops)) {
        macEnc = String(sops.get('mac'));
        lastModified = String(sops.get('lastmodified'));
      }
      continue;
    }
    const v = pair.value as Node;
    if (isScalar(v) && typeof v.value === 'string') {
      const p = aesDecrypt(v.value, key, `${k}:`);
      hash.update(p);
      out[k] = p.toString('utf8');
    } else if (isSeq(v)) throw new Error('bench files are flat');
  }
  const mac = aesDecrypt(macEnc, key, lastModified);
  if (!timingSafeEqual(mac, Buffer.from(hash.digest('hex').toUpperCase()))) throw new Error('MAC');
  return out;
}

export function firstEnvelope(doc: ReturnType<typeof parseDocument>, recipient: string): string {
  const age = doc.getIn(['sops', 'age']) as { items: Array<{ get(k: string): unknown }> };
  const entry = age.items.find((e) => e.get('recipient') === recipient) ?? age.items[0]!;
  return String(entry.get('enc'));
}

/** The floor over `files`, for `identity` (bech32 AGE-SECRET-KEY-1…) whose recipient is `recipient`. */
export function floorReader(identity: string, recipient: string): (files: string[]) => number {
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8, bech32Data(identity)]), format: 'der', type: 'pkcs8' });
  const ourPub = bech32Data(recipient);
  return (files) => {
    let n = 0;
    for (const f of files) {
      const doc = parseDocument(readFileSync(f, 'utf8'));
      n += Object.keys(floorValues(doc, floorUnwrap(firstEnvelope(doc, recipient), priv, ourPub))).length;
    }
    return n;
  };
}
