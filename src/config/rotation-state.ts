/**
 * `rotation/state.yaml`: credential rotations in flight, written by `rotation run` and
 * committed (reviewable, survives machines) — provider ids and times only, never a value.
 */
import * as z from 'zod/mini';
import '../kernel/zod-locale.js';
import { parseYamlConfig } from './parse-yaml-config.js';

export const ROTATION_STATE_FILE = 'rotation/state.yaml';
export const ROTATION_STATE_HINT = 'it is written by `keyfold rotation run`';

/**
 * Shapes of credentials rather than ids: a URL with a user (a password may follow),
 * `user:password@`, well-known token prefixes, JWTs, and long mixed-case random text.
 * An id is a provider's name for a credential (a key hash, a role name, an ARN), never it.
 */
const TOKEN_SHAPES: readonly RegExp[] = [
  /:\/\//, // a URL (a connection string carries its password)
  /^[^:@/]+:[^@]+@/, // user:password@host
  /^(sk|rk|pk|ghp|gho|ghu|ghs|ghr|github_pat|glpat|xox[abposr]|npm|hf|whsec|AKIA|ASIA|AIza|ya29|SG|eyJ)[-_.]/i,
  /^(AKIA|ASIA)[A-Z0-9]{16}$/,
  /(^|[^A-Za-z0-9])sk-or-/,
  /^eyJ[\w-]+\.[\w-]+\./, // a JWT
];
/** Random text: 32+ characters of upper and lower case and digits without a separator. */
const looksRandom = (s: string) => /^[A-Za-z0-9+=_-]{32,}$/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s);
export const tokenShaped = (s: string) => TOKEN_SHAPES.some((re) => re.test(s)) || looksRandom(s);

/** A provider's credential id (an OpenRouter key hash, a role name …): short, no spaces, never a secret. */
const IdSchema = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9._:@/-]{1,128}$/, 'expected a credential id (at most 128 letters, digits, . _ : @ / -)'),
    z.refine((s) => !tokenShaped(s), 'looks like a credential, not an id: rotation/state.yaml holds ids only (rotate the credential it names)'),
  );
const TimeSchema = z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'expected a UTC time (2026-01-31T12:00:00Z)'));

const PendingSchema = z.strictObject({
  id: IdSchema,
  /** When the new credential replaced it in the secret. */
  replaced: TimeSchema,
  /** When a run first saw the new value at every target that uses it. */
  synced: z.optional(TimeSchema),
});

const EntrySchema = z.strictObject({
  /** The credential now in the secret. */
  current: z.optional(IdSchema),
  rotated: z.optional(TimeSchema),
  /** Old credentials to revoke once the new one is synced everywhere and the grace has passed. */
  pending: z._default(z.array(PendingSchema), () => []),
});

export const RotationStateSchema = z.strictObject({
  rotations: z._default(z.record(z.string(), EntrySchema), () => ({})),
});
export type RotationState = z.infer<typeof RotationStateSchema>;
export type RotationEntry = z.infer<typeof EntrySchema>;

export function parseRotationState(text: string): RotationState {
  return parseYamlConfig(text, ROTATION_STATE_FILE, RotationStateSchema, ROTATION_STATE_HINT).value;
}

/** The file as `rotation run` writes it (sorted, one entry per rotation). */
export function encodeRotationState(state: RotationState): string {
  const lines = ['# Written by `keyfold rotation run`: credentials in flight — provider ids and times only, never a value.', 'rotations:'];
  const names = Object.keys(state.rotations).sort();
  if (names.length === 0) return lines[0] + '\nrotations: {}\n';
  for (const name of names) {
    const e = state.rotations[name]!;
    lines.push(`  ${name}:`);
    if (e.current) lines.push(`    current: ${JSON.stringify(e.current)}`);
    if (e.rotated) lines.push(`    rotated: ${e.rotated}`);
    if (e.pending.length === 0) lines.push('    pending: []');
    else {
      lines.push('    pending:');
      for (const p of e.pending) lines.push(`      - { id: ${JSON.stringify(p.id)}, replaced: ${p.replaced}${p.synced ? `, synced: ${p.synced}` : ''} }`);
    }
  }
  return lines.join('\n') + '\n';
}
