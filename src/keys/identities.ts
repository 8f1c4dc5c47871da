/**
 * Where age identities come from: `--identity FILE` (repeatable) replaces every other
 * source; otherwise the union of KEYFOLD_AGE_KEY, KEYFOLD_AGE_KEY_FILE, SOPS_AGE_KEY,
 * SOPS_AGE_KEY_FILE and $XDG_CONFIG_HOME/sops/age/keys.txt.
 */
import type { X25519Identity } from '../crypto/age/index.js';
import { IDENTITY_PROVIDERS } from './registry.js';
import type { IdentitySource } from './sources/source.js';

export type { IdentitySource } from './sources/source.js';

export interface IdentityOptions {
  /** `--identity` files; when non-empty they are the only source. */
  files?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** The sources that yield identities, in precedence order (an exclusive one ends the list). */
export function identitySources(options: IdentityOptions = {}): IdentitySource[] {
  const ctx = { files: options.files ?? [], env: options.env ?? process.env };
  const sources: IdentitySource[] = [];
  for (const provider of IDENTITY_PROVIDERS) {
    const found = provider.collect(ctx);
    if (provider.exclusive && found.length > 0) return found;
    sources.push(...found);
  }
  return sources;
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
