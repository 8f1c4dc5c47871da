/**
 * Timestamps as sops (Go) handles them: `type:time` values hold Go's
 * `time.Time.MarshalText` form (RFC 3339 with nanoseconds, trailing zeros trimmed, `Z`
 * for a zero offset), and go-yaml v3 reads an unquoted YAML timestamp as a time. Pure
 * text, no Date objects: a time keeps its offset and its nanoseconds.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * `time.Time.UnmarshalText` followed by `MarshalText`: the canonical text of an RFC 3339
 * timestamp, or undefined when Go would refuse it.
 */
export function canonicalTime(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const frac = m[7] ?? '';
  if (frac.length > 10) return undefined; // Go keeps at most nanoseconds
  return formatTime(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, frac, m[8]!);
}

/**
 * What go-yaml v3 makes of an unquoted plain scalar: a timestamp in one of the four
 * layouts it accepts, as canonical time text; undefined for anything else.
 */
export function yamlTimestamp(text: string): string | undefined {
  if (!/^\d{4}-/.test(text)) return undefined;
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})|[ ](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?)?$/.exec(text);
  if (!m) return undefined;
  const frac = m[7] ?? m[12] ?? '';
  return formatTime(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? m[9] ?? 0), +(m[5] ?? m[10] ?? 0), +(m[6] ?? m[11] ?? 0), frac, m[8] ?? 'Z');
}

function formatTime(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, zone: string): string | undefined {
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (days === undefined || d < 1 || d > days || h > 23 || mi > 59 || s > 59) return undefined;
  let z = zone.toUpperCase();
  if (z !== 'Z') {
    const oh = +z.slice(1, 3);
    const om = +z.slice(4, 6);
    if (oh > 23 || om > 59) return undefined;
    if (oh === 0 && om === 0) z = 'Z';
  }
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const f = frac.slice(1, 10).replace(/0+$/, '');
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${f ? `.${f}` : ''}${z}`;
}

/** The canonical text of a time value as written (RFC 3339, or a form go-yaml reads). */
export const timeText = (text: string): string | undefined => canonicalTime(text) ?? yamlTimestamp(text);
