/**
 * `policies/rules.yaml`: validation rules beyond the access policy (docs/configuration.md) — key
 * naming, keys every matching file must hold, parity between environments, maximum
 * value age, and the secret scan's allow-list. Every field has a default, so a
 * repository without the file validates with the defaults.
 */
import picomatch from 'picomatch';
import * as z from 'zod/mini';
import '../kernel/zod-locale.js';
import { DURATION_HINT, DURATION_RE, parseDuration } from '../kernel/duration.js';
import { checkYamlConfig, parseYamlConfig, type ConfigProblem, type LoadedConfig } from './parse-yaml-config.js';

export const RULES_FILE = 'policies/rules.yaml';
export const DEFAULT_KEY_PATTERN = '^[A-Z][A-Z0-9_]*$';

const isRegex = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};
const isGlob = (s: string): boolean => {
  try {
    picomatch.makeRe(s);
    return s.length > 0;
  } catch {
    return false;
  }
};

const RegexSchema = z.string().check(z.refine(isRegex, 'not a valid regular expression'));
const GlobSchema = z.string().check(z.refine(isGlob, 'not a valid glob'));

/** A duration such as `90d`, `12h`, `2w` (units s, m = minutes, h, d, w). */
export const DurationSchema = z.string().check(z.regex(DURATION_RE, `expected ${DURATION_HINT}`));

/** Milliseconds of a duration that `DurationSchema` accepted. */
export function durationMs(duration: string): number {
  const ms = parseDuration(duration);
  if (ms === undefined || ms === 0) throw new RangeError('invalid duration');
  return ms;
}

export const AllowEntrySchema = z.strictObject({
  /** Repository-relative glob of the files the entry covers. */
  path: GlobSchema,
  /** When given, only findings whose matched text this regex matches are allowed. */
  pattern: z.optional(RegexSchema),
  /** Why it is allowed (required, so the allow-list explains itself). */
  reason: z.string().check(z.minLength(1, 'say why this is allowed')),
});
export type AllowEntry = z.infer<typeof AllowEntrySchema>;

export const RulesSchema = z.strictObject({
  $schema: z.optional(z.string()),
  /** Every top-level key name must match (the `_unencrypted` suffix aside). */
  key_pattern: z._default(RegexSchema, DEFAULT_KEY_PATTERN),
  /** Ref glob → keys every matching file must hold (`prod/api/**: [DATABASE_URL]`). */
  required: z._default(z.record(GlobSchema, z.array(z.string().check(z.minLength(1)))), () => ({})),
  /** Folder globs relative to an environment (`providers/**`): the same refs and key names in every environment. */
  parity: z._default(z.array(GlobSchema), () => []),
  /** Ref glob → longest time a value's ciphertext may stay unchanged. */
  max_age: z._default(z.record(GlobSchema, DurationSchema), () => ({})),
  /** Secret-scan findings that are expected (demo keys, published test vectors). */
  allow: z._default(z.array(AllowEntrySchema), () => []),
});
export type Rules = z.infer<typeof RulesSchema>;

const RULES_HINT = 'see docs/validation.md for the rules.yaml format';

/** The defaults: what an absent rules.yaml means. */
export function defaultRules(): Rules {
  return RulesSchema.parse({});
}

/** Parse rules.yaml text; schema errors throw a ConfigError naming the line. */
export function parseRules(text: string): Rules {
  return parseYamlConfig(text, RULES_FILE, RulesSchema, RULES_HINT).value;
}

/** `parseRules` returning the first problem (with its line) instead of throwing. */
export function checkRules(text: string): LoadedConfig<Rules> | { problem: ConfigProblem } {
  return checkYamlConfig(text, RulesSchema);
}
