/** sops' `stores.ValToString`: a non-string scalar as the flat formats (dotenv, INI) write it. */
import { formatGoFloat, scalarText } from '../scalar-codec.js';

export function valToString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return goFloatG(v);
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof Uint8Array) return scalarText(v);
  return String(v);
}

/**
 * strconv.FormatFloat(f, 'G', -1, 64), then at least one decimal when the result could
 * be taken for an integer (`3` → `3.0`).
 */
export function goFloatG(f: number): string {
  if (!Number.isFinite(f)) return formatGoFloat(f);
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  const [mant, expText] = Math.abs(f).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = f < 0 ? '-' : '';
  let out: string;
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    out = `${mant}E${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else {
    out = formatGoFloat(Math.abs(f));
  }
  if (!out.includes('.') && !out.includes('E')) out += '.0';
  return sign + out;
}
