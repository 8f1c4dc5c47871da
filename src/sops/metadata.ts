/**
 * The `sops:` block: parsing (zod), the keyfold allowlist (S1), and emitting it in the
 * order sops writes its fields.
 */
import { describeRecipientLabel } from '../kernel/names.js';
import * as z from 'zod/mini';
import { IntegrityError } from '../kernel/errors.js';
import '../kernel/zod-locale.js';
import type { AgeEnvelope } from '../crypto/data-key.js';

const AgeEntrySchema = z.looseObject({ recipient: z.string(), enc: z.string() });
const KeyListSchema = z.nullish(z.array(z.record(z.string(), z.unknown())));

const KeyGroupSchema = z.looseObject({
  age: z.nullish(z.array(AgeEntrySchema)),
  pgp: KeyListSchema,
  kms: KeyListSchema,
  gcp_kms: KeyListSchema,
  azure_kv: KeyListSchema,
  hc_vault: KeyListSchema,
});

const optionalString = z.nullish(z.string());

export const SopsMetadataSchema = z.looseObject({
  shamir_threshold: z.nullish(z.number().check(z.int(), z.nonnegative())),
  key_groups: z.nullish(z.array(KeyGroupSchema)),
  kms: KeyListSchema,
  gcp_kms: KeyListSchema,
  azure_kv: KeyListSchema,
  hc_vault: KeyListSchema,
  age: z.nullish(z.array(AgeEntrySchema)),
  lastmodified: z.string(),
  mac: optionalString,
  pgp: KeyListSchema,
  unencrypted_suffix: optionalString,
  encrypted_suffix: optionalString,
  unencrypted_regex: optionalString,
  encrypted_regex: optionalString,
  unencrypted_comment_regex: optionalString,
  encrypted_comment_regex: optionalString,
  mac_only_encrypted: z.nullish(z.boolean()),
  // sops itself does not require it (files written by some tools and old versions lack it).
  version: z.nullish(z.string()),
});
export type RawSopsMetadata = z.infer<typeof SopsMetadataSchema>;


/** Which values are encrypted (sops' selection rules; at most one applies). */
export type Selection =
  | { kind: 'unencrypted_suffix'; value: string }
  | { kind: 'encrypted_suffix'; value: string }
  | { kind: 'unencrypted_regex'; value: RegExp }
  | { kind: 'encrypted_regex'; value: RegExp };

/** Normalised metadata: one or more key groups of age envelopes. */
export interface SopsMetadata {
  /** Every group's age envelopes; a single group holds the whole data key. */
  groups: AgeEnvelope[][];
  /** Shamir threshold (1 for a single group). */
  threshold: number;
  lastModified: string;
  mac: string | undefined;
  selection: Selection;
  commentSelection?: { kind: 'unencrypted_comment_regex' | 'encrypted_comment_regex'; value: RegExp };
  macOnlyEncrypted: boolean;
  /** Absent in some files sops reads; keyfold always writes one. */
  version: string | undefined;
  /** Key sources keyfold cannot use (pgp, kms, …), by name; kept for error messages. */
  foreignSources: string[];
}

export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';
/** The sops format version keyfold writes: accepted by sops 3.7 through 3.10. */
export const SOPS_VERSION = '3.8.1';

const FOREIGN_SOURCES = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault'] as const;
const SEMVER_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Normalise a raw `sops:` mapping. Throws IntegrityError (no content quoted) when the
 * block is not sops metadata keyfold understands.
 */
export function parseSopsMetadata(raw: unknown, file: string): SopsMetadata {
  const parsed = SopsMetadataSchema.safeParse(weaklyTyped(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'sops';
    throw new IntegrityError(`${file}: invalid sops metadata (field "sops.${field}")`, {
      file,
      hint: 'the sops block is damaged; restore it from git history',
    });
  }
  const m = parsed.data;
  if (m.version != null && (!SEMVER_RE.test(m.version) || !m.version.startsWith('3.'))) {
    throw new IntegrityError(`${file}: unsupported sops metadata version`, {
      file,
      hint: 'keyfold reads files written by sops 3.x',
    });
  }
  const foreign = new Set<string>();
  const groups: AgeEnvelope[][] = [];
  const collect = (g: z.infer<typeof KeyGroupSchema>): AgeEnvelope[] => {
    for (const name of FOREIGN_SOURCES) if ((g[name]?.length ?? 0) > 0) foreign.add(name);
    return (g.age ?? []).map((a) => ({ recipient: a.recipient, enc: a.enc }));
  };
  if (m.key_groups && m.key_groups.length > 0) {
    for (const g of m.key_groups) groups.push(collect(g));
    collect(m); // top-level lists next to key_groups are ignored by sops; still note them
  } else {
    groups.push(collect(m));
  }
  const threshold = groups.length === 1 ? 1 : m.shamir_threshold || groups.length;
  if (threshold > groups.length) {
    throw new IntegrityError(`${file}: shamir_threshold exceeds the number of key groups`, { file });
  }
  const rules: Selection[] = [];
  if (m.unencrypted_suffix != null) rules.push({ kind: 'unencrypted_suffix', value: m.unencrypted_suffix });
  if (m.encrypted_suffix != null) rules.push({ kind: 'encrypted_suffix', value: m.encrypted_suffix });
  if (m.unencrypted_regex != null) rules.push({ kind: 'unencrypted_regex', value: compileRegex(m.unencrypted_regex, file) });
  if (m.encrypted_regex != null) rules.push({ kind: 'encrypted_regex', value: compileRegex(m.encrypted_regex, file) });
  if (rules.length > 1) throw new IntegrityError(`${file}: more than one sops selection rule`, { file });
  const meta: SopsMetadata = {
    groups,
    threshold,
    lastModified: m.lastmodified,
    mac: m.mac ?? undefined,
    selection: rules[0] ?? { kind: 'unencrypted_suffix', value: DEFAULT_UNENCRYPTED_SUFFIX },
    macOnlyEncrypted: m.mac_only_encrypted === true,
    version: m.version ?? undefined,
    foreignSources: [...foreign],
  };
  if (m.unencrypted_comment_regex != null) {
    meta.commentSelection = { kind: 'unencrypted_comment_regex', value: compileRegex(m.unencrypted_comment_regex, file) };
  } else if (m.encrypted_comment_regex != null) {
    meta.commentSelection = { kind: 'encrypted_comment_regex', value: compileRegex(m.encrypted_comment_regex, file) };
  }
  return meta;
}

/**
 * sops decodes its metadata weakly typed (mapstructure): the flattened formats (dotenv,
 * INI) hold every field as a string, so `shamir_threshold` and `mac_only_encrypted`
 * arrive as text.
 */
function weaklyTyped(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const m = { ...(raw as Record<string, unknown>) };
  const t = m['shamir_threshold'];
  if (typeof t === 'string' && /^\d{1,9}$/.test(t)) m['shamir_threshold'] = Number(t);
  const only = m['mac_only_encrypted'];
  if (typeof only === 'string') {
    if (['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(only)) m['mac_only_encrypted'] = /^(1|t|true)$/i.test(only);
  } else if (typeof only === 'number') m['mac_only_encrypted'] = only !== 0;
  return m;
}

function compileRegex(source: string, file: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new IntegrityError(`${file}: sops metadata holds an invalid regular expression`, { file });
  }
}

/** Fields keyfold itself writes; anything else in a `secrets/` file is refused (S1). */
const ALLOWED_FIELDS = new Set([
  'shamir_threshold',
  'key_groups',
  'age',
  'lastmodified',
  'mac',
  'unencrypted_suffix',
  'version',
  ...FOREIGN_SOURCES, // allowed only when empty, as sops 3.7–3.9 write them
]);

/**
 * S1: refuse, before any crypto, metadata that keyfold does not write. `envelopeStanzas`
 * inspects one armored envelope and returns its stanza types (no decryption).
 */
export function checkMetadataAllowlist(
  raw: Record<string, unknown>,
  meta: SopsMetadata,
  file: string,
  envelopeStanzas: (armored: string) => string[],
): void {
  const refuse = (what: string): never => {
    throw new IntegrityError(`${file}: refused: ${what}`, {
      file,
      hint: 'files under secrets/ may carry only the sops metadata keyfold writes; restore the file from git history or re-create it with keyfold',
    });
  };
  for (const field of Object.keys(raw)) {
    if (!ALLOWED_FIELDS.has(field)) refuse(`sops metadata field "${field.replace(/[^\w.-]/g, '?').slice(0, 40)}" is not allowed`);
  }
  if (meta.foreignSources.length > 0) refuse(`non-age key source (${meta.foreignSources.join(', ')})`);
  if (meta.selection.kind !== 'unencrypted_suffix' || meta.selection.value !== DEFAULT_UNENCRYPTED_SUFFIX) {
    refuse(`selection rule ${meta.selection.kind} is not allowed`);
  }
  if (meta.macOnlyEncrypted) refuse('mac_only_encrypted is not allowed');
  if (!meta.mac) refuse('missing MAC');
  if (meta.groups.length > 1 && meta.threshold < 2) refuse('a multi-group threshold below 2');
  if (meta.groups.length > 1 && raw['age'] != null && (raw['age'] as unknown[]).length > 0) {
    refuse('age keys both inside and outside key_groups');
  }
  if (meta.groups.some((g) => g.length === 0)) refuse('a key group without age recipients');
  // Key groups and age entries carry only what keyfold writes: an extra field could hide
  // data a reviewer does not see, and one recipient label per group keeps a foreign
  // envelope from hiding behind a member's label.
  const groupsRaw = Array.isArray(raw['key_groups']) ? (raw['key_groups'] as unknown[]) : [raw];
  for (const g of groupsRaw) {
    if (g !== raw) {
      for (const field of Object.keys(g as Record<string, unknown>)) {
        if (field !== 'age' && !(FOREIGN_SOURCES as readonly string[]).includes(field)) refuse(`key group field "${field.replace(/[^\w.-]/g, '?').slice(0, 40)}" is not allowed`);
      }
    }
    for (const entry of ((g as Record<string, unknown>)['age'] as Array<Record<string, unknown>> | null | undefined) ?? []) {
      for (const field of Object.keys(entry)) {
        if (field !== 'recipient' && field !== 'enc') refuse(`age entry field "${field.replace(/[^\w.-]/g, '?').slice(0, 40)}" is not allowed`);
      }
    }
  }
  for (const group of meta.groups) {
    const labels = new Set<string>();
    for (const env of group) {
      if (labels.has(env.recipient)) refuse(`the recipient ${describeRecipientLabel(env.recipient)} appears twice in one key group`);
      labels.add(env.recipient);
    }
  }
  for (const group of meta.groups) {
    for (const env of group) {
      const stanzas = envelopeStanzas(env.enc);
      if (stanzas.length !== 1 || stanzas[0] !== 'X25519') {
        refuse(`the envelope for ${describeRecipientLabel(env.recipient)} is not exactly one X25519 stanza`);
      }
    }
  }
}

/** The `sops:` mapping as keyfold writes it (sops' field order, no empty legacy lists). */
export function emitSopsMetadata(meta: SopsMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const envs = (g: AgeEnvelope[]) => g.map((e) => ({ recipient: e.recipient, enc: e.enc }));
  if (meta.groups.length > 1) {
    out['shamir_threshold'] = meta.threshold;
    out['key_groups'] = meta.groups.map((g) => ({ age: envs(g) }));
  } else {
    out['age'] = envs(meta.groups[0] ?? []);
  }
  out['lastmodified'] = meta.lastModified;
  if (meta.mac !== undefined) out['mac'] = meta.mac;
  const sel = meta.selection;
  out[sel.kind] = typeof sel.value === 'string' ? sel.value : sel.value.source;
  if (meta.commentSelection) out[meta.commentSelection.kind] = meta.commentSelection.value.source;
  if (meta.macOnlyEncrypted) out['mac_only_encrypted'] = true;
  out['version'] = meta.version;
  return out;
}

/**
 * The MAC's additional data: sops parses `lastmodified` as RFC 3339 and formats it back
 * (no fraction, `Z` for a zero offset). Other text is used as is (and fails to match).
 */
export function macAad(lastModified: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(lastModified);
  if (!m) return lastModified;
  const zone = /^[Zz]$|^[+-]00:00$/.test(m[3]!) ? 'Z' : m[3]!;
  return `${m[1]}T${m[2]}${zone}`;
}

/** RFC 3339 UTC with seconds, as sops writes `lastmodified`; never before `previous`. */
export function nextLastModified(now: Date, previous?: string): string {
  let t = Math.floor(now.getTime() / 1000) * 1000;
  if (previous) {
    const p = Date.parse(previous);
    if (Number.isFinite(p) && p >= t) t = Math.floor(p / 1000) * 1000 + 1000;
  }
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
