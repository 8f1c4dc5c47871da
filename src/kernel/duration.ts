/** Durations as keyfold.yaml and the CLI write them: `90d`, `12h`, `2w`, `30m`, `45s`. */

export const DURATION_RE = /^([1-9][0-9]{0,5})([smhdw])$/;
/** A zero duration (`0s`): accepted where none may be meaningful (a rotation's grace). */
export const ZERO_DURATION_RE = /^0[smhdw]$/;
export const DURATION_HINT = 'a duration such as 90d, 12h, 30m or 2w (units s, m, h, d, w)';
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a duration, or undefined when it is not one. */
export function parseDuration(duration: string): number | undefined {
  if (ZERO_DURATION_RE.test(duration)) return 0;
  const m = DURATION_RE.exec(duration);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}
