/**
 * Where age identities come from (DESIGN §3): `--identity FILE` (repeatable) replaces
 * every other source; otherwise the union of KEYFOLD_AGE_KEY, KEYFOLD_AGE_KEY_FILE,
 * SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and $XDG_CONFIG_HOME/sops/age/keys.txt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, KeyfoldError, NotFoundError, UsageError } from '../kernel/errors.js';
import { parseIdentities, type X25519Identity } from '../crypto/age/index.js';

export interface IdentitySource {
  /** Human name of the source: a path or an environment variable. Never key material. */
  name: string;
  identities: X25519Identity[];
}

export interface IdentityOptions {
  /** `--identity` files; when non-empty they are the only source. */
  files?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** The identities available to this process, deduplicated by recipient, in source order. */
export function loadIdentities(options: IdentityOptions = {}): X25519Identity[] {
  const seen = new Set<string>();
  const out: X25519Identity[] = [];
  for (const source of identitySources(options)) {
    for (const id of source.identities) {
      if (seen.has(id.recipient)) continue;
      seen.add(id.recipient);
      out.push(id);
    }
  }
  return out;
}

export function identitySources(options: IdentityOptions = {}): IdentitySource[] {
  const env = options.env ?? process.env;
  if (options.files && options.files.length > 0) {
    return options.files.map((f) => ({ name: f, identities: parseFile(f, f, true) }));
  }
  if (env['KEYFOLD_SESSION']) {
    throw new UsageError('KEYFOLD_SESSION is set, but agent sessions are not available in this version of keyfold', {
      hint: 'unset KEYFOLD_SESSION or pass --identity FILE',
    });
  }
  const sources: IdentitySource[] = [];
  for (const name of ['KEYFOLD_AGE_KEY', 'SOPS_AGE_KEY']) {
    const text = env[name];
    if (text) sources.push({ name, identities: parseText(text, `$${name}`) });
  }
  for (const name of ['KEYFOLD_AGE_KEY_FILE', 'SOPS_AGE_KEY_FILE']) {
    const path = env[name];
    if (path) sources.push({ name: path, identities: parseFile(path, `$${name} (${path})`, true) });
  }
  const configHome = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  const defaultFile = join(configHome, 'sops', 'age', 'keys.txt');
  if (existsSync(defaultFile)) sources.push({ name: defaultFile, identities: parseFile(defaultFile, defaultFile, false) });
  return sources;
}

function parseFile(path: string, label: string, required: boolean): X25519Identity[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return [];
    if (code === 'ENOENT') throw new NotFoundError(`identity file not found: ${label}`, { hint: 'create one with `keyfold keygen -o FILE`' });
    throw new ConfigError(`cannot read identity file ${label} (${code ?? 'error'})`);
  }
  return parseText(text, label);
}

function parseText(text: string, label: string): X25519Identity[] {
  try {
    return parseIdentities(text);
  } catch (e) {
    if (e instanceof KeyfoldError) {
      throw new ConfigError(`${label}: ${e.message}`, { hint: 'identity files hold AGE-SECRET-KEY-1… lines, as written by age-keygen or `keyfold keygen`' });
    }
    throw e;
  }
}
