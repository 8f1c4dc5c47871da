/**
 * What every command needs: where it runs, the repository (found lazily), the
 * configuration, policy and rules (loaded lazily), and the identities.
 */
import type { X25519Identity } from '../../crypto/age/index.js';
import type { AccessPolicy } from '../../config/access-policy.js';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import type { Rules } from '../../config/rules.js';
import { loadIdentities } from '../../keys/identities.js';
import { openSession, recordUse, type Session } from '../../keys/sources/session-bundle.js';
import { findRepoRoot } from '../../repo/secrets-tree.js';

export interface GlobalOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--repo DIR` */
  repo?: string;
  /** `--identity FILE` (repeatable) */
  identity?: string[];
  /** `--worktree-policy`: writes follow the working tree's policy even when it differs from the default branch's. */
  worktreePolicy?: boolean;
  /** `rotation run` writes the credentials it rotates (as the environment's CI identity): no write grant is needed. */
  rotationWriter?: boolean;
  /** keyfold's version (init pins the JSON Schemas' URL to it). */
  version?: string;
  /** Where notes for the user go (the CLI prints them on stderr). */
  note?: (message: string) => void;
}

/** The policy writes follow, and where it came from. */
export interface WritePolicy {
  policy: AccessPolicy;
  /** `working tree`, or the default branch it was read from (`origin/main`). */
  source: string;
}

export class Workspace {
  #root: string | undefined;
  #config: KeyfoldConfig | undefined;
  #policy: AccessPolicy | undefined;
  #rules: Rules | undefined;
  #writePolicy: Promise<WritePolicy> | undefined;
  #identities: X25519Identity[] | undefined;
  #session: Session | null | undefined;

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

  /** policies/access.yaml of the working tree, validated. */
  async policy(): Promise<AccessPolicy> {
    if (!this.#policy) {
      const { loadAccessPolicy } = await import('../../repo/control-files.js');
      this.#policy = loadAccessPolicy(this.root);
    }
    return this.#policy;
  }

  /** policies/rules.yaml (defaults when absent). */
  async rules(): Promise<Rules> {
    if (!this.#rules) {
      const { loadRules } = await import('../../repo/control-files.js');
      this.#rules = loadRules(this.root);
    }
    return this.#rules;
  }

  /**
   * The policy that decides who can read a value written now and who may write it: the
   * default branch's (the remote's, else the local one) when the working tree's differs
   * from it — an unmerged policy never decides who reads a value — unless
   * `--worktree-policy`. Says so through `note` when it matters.
   */
  writePolicy(): Promise<WritePolicy> {
    this.#writePolicy ??= (async () => {
      const worktree = await this.policy();
      if (this.options.worktreePolicy) return { policy: worktree, source: 'working tree' };
      const { branchPolicy } = await import('./branch-policy.js');
      const branch = await branchPolicy(this.root);
      if (!branch || branch.same) return { policy: worktree, source: 'working tree' };
      if (!branch.policy) {
        this.options.note?.(`the policy on ${branch.name} could not be read (${branch.problem}); writes follow the working tree's policy`);
        return { policy: worktree, source: 'working tree' };
      }
      this.options.note?.(
        `policies/access.yaml differs from ${branch.name}: recipients and write access follow ${branch.name}'s policy (pass --worktree-policy to use the working tree's)`,
      );
      return { policy: branch.policy, source: branch.name };
    })();
    return this.#writePolicy;
  }

  get identities(): X25519Identity[] {
    this.#identities ??= loadIdentities({ files: this.options.identity, env: this.options.env });
    return this.#identities;
  }

  /**
   * The agent session KEYFOLD_SESSION names (checked: not expired, not revoked), or
   * undefined without one. Under a session, refs are read from its bundle only.
   */
  get session(): Session | undefined {
    if (this.#session === undefined) this.#session = this.options.env['KEYFOLD_SESSION'] ? openSession(this.options.env) : null;
    return this.#session ?? undefined;
  }

  /** Under a session, append a use to its log (command, refs, key names; never values). */
  recordUse(command: string, refs: string[], keys: string[]): void {
    const s = this.session;
    if (s) recordUse(this.options.env, s.bundle.id, { command, refs, keys });
  }

  /** The members of `policy` whose recipient is one of our identities'. */
  membersOf(policy: AccessPolicy): string[] {
    const mine = new Set(this.identities.map((id) => id.recipient));
    return Object.entries(policy.members)
      .filter(([, m]) => mine.has(m.recipient))
      .map(([name]) => name);
  }
}
