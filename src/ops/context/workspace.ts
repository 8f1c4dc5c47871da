/**
 * What every command needs: where it runs, the repository (found lazily), the
 * configuration and policy (loaded lazily), and the identities.
 */
import type { X25519Identity } from '../../crypto/age/index.js';
import type { AccessPolicy } from '../../config/access-policy.js';
import { loadIdentities } from '../../keys/identities.js';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { findRepoRoot } from '../../repo/secrets-tree.js';

export interface GlobalOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--repo DIR` */
  repo?: string;
  /** `--identity FILE` (repeatable) */
  identity?: string[];
}

export class Workspace {
  #root: string | undefined;
  #config: KeyfoldConfig | undefined;
  #policy: AccessPolicy | undefined;
  #identities: X25519Identity[] | undefined;

  constructor(readonly options: GlobalOptions) {}

  get cwd(): string {
    return this.options.cwd;
  }

  get root(): string {
    this.#root ??= findRepoRoot(this.options.cwd, this.options.repo);
    return this.#root;
  }

  /** keyfold.yaml, validated. Loaded on demand: the schemas (zod) stay off the read path. */
  async config(): Promise<KeyfoldConfig> {
    if (!this.#config) {
      const { loadKeyfoldConfig } = await import('../../repo/control-files.js');
      this.#config = loadKeyfoldConfig(this.root);
    }
    return this.#config;
  }

  /** policies/access.yaml, validated. */
  async policy(): Promise<AccessPolicy> {
    if (!this.#policy) {
      const { loadAccessPolicy } = await import('../../repo/control-files.js');
      this.#policy = loadAccessPolicy(this.root);
    }
    return this.#policy;
  }

  get identities(): X25519Identity[] {
    this.#identities ??= loadIdentities({ files: this.options.identity, env: this.options.env });
    return this.#identities;
  }
}
