/**
 * Identity sources: where age identities come from. Each kind is one small module
 * behind this interface, listed in ./registry.ts in precedence order.
 */
import type { X25519Identity } from '../../crypto/age/index.js';

/** The identities one source yielded. */
export interface IdentitySource {
  /** The kind of source (`flag`, `env`, `env-file`, `default-file`). */
  kind: string;
  /** Human name of the source: a path or an environment variable. Never key material. */
  name: string;
  identities: X25519Identity[];
}

export interface SourceContext {
  /** `--identity` files. */
  files: readonly string[];
  env: NodeJS.ProcessEnv;
}

export interface SourceProvider {
  kind: string;
  /** When this provider yields a source, no later provider is consulted (`--identity`, sessions). */
  exclusive: boolean;
  collect(ctx: SourceContext): IdentitySource[];
}
