/**
 * The credential-rotator interface. A rotator is one folder under rotators/ with a
 * `RotatorType` (its `with:` schema and a factory) and one line in ./registry.ts. It
 * creates a new credential, verifies it with a request made with the new credential,
 * and later revokes the old one; it can find credentials it created (by name) that a
 * killed run left behind.
 */
import type * as z from 'zod/mini';
import type { Secret } from '../kernel/secret.js';
import type { HttpClient } from '../net/http.js';

export interface RotatorContext {
  /** Management credentials come from the environment only. */
  env: NodeJS.ProcessEnv;
  http: HttpClient;
  /** The rotation this driver serves (keyfold.yaml `rotation.<name>`), for labels. */
  rotation: { name: string; ref: string; key: string };
}

export interface NewCredential {
  value: Secret<string>;
  /** The provider's id for it (what `revoke` takes later); none when there is nothing to revoke. */
  id?: string;
}

export interface RotatorDriver {
  /** The id of the credential a value is (to revoke it after the next rotation), or undefined. */
  identify(value: Secret<string>): Promise<string | undefined>;
  /**
   * Create a new credential; `name` labels it at the provider and must stay its prefix
   * up to the date (`keyfold <rotation> `), which is how `orphans` finds it again.
   */
  create(name: string, current?: Secret<string>): Promise<NewCredential>;
  /** Prove the new credential works, using it. Throws when it does not. */
  verify(credential: NewCredential): Promise<void>;
  /**
   * Make a credential unusable for good (disabling is not revoking); one already gone is
   * not an error. `current` is the value in the secret now (never the one revoked).
   */
  revoke(id: string, current?: Secret<string>): Promise<void>;
  /** Ids of credentials this rotator created whose name starts with `prefix` and whose id is not in `known`. */
  orphans(prefix: string, known: ReadonlySet<string>): Promise<string[]>;
}

export interface RotatorType<S extends z.ZodMiniType = z.ZodMiniType> {
  readonly type: string;
  /** The rotation's `with:` settings. */
  readonly schema: S;
  create(settings: z.infer<S>, ctx: RotatorContext): RotatorDriver;
  /**
   * The environment variables its driver reads credentials from (the CI workflow passes
   * them), from the rotation's `with:` as written: a rotation whose other settings are
   * wrong still names its credential.
   */
  credentialEnv?(raw: Readonly<Record<string, unknown>>): string[];
}
