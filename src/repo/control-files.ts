/**
 * The repository's control files read from disk: keyfold.yaml, the access policy, the
 * validation rules and the rotations ledger. Each is a regular file read with a size bound (never through a
 * symlink), then parsed by config/ and cross-checked by core/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_FILE, POLICY_HINT, type AccessPolicy } from '../config/access-policy.js';
import { CONFIG_FILE, CONFIG_HINT, parseKeyfoldConfig, type KeyfoldConfig } from '../config/keyfold-config.js';
import { ROTATIONS_FILE, parseRemovals, type Removal } from '../config/rotations.js';
import { ROTATION_STATE_FILE, parseRotationState, type RotationState } from '../config/rotation-state.js';
import { RULES_FILE, defaultRules, parseRules, type Rules } from '../config/rules.js';
import { checkAccessPolicy } from '../core/policy-check.js';
import { ConfigError, NotFoundError } from '../kernel/errors.js';
import { readTextFile } from './secrets-tree.js';

/** A control file's text; a missing file is NotFoundError "<file> is missing" with `hint`. */
export function readControlFile(root: string, file: string, hint: string): string {
  try {
    return readTextFile(join(root, file), file, { root });
  } catch (e) {
    if (e instanceof NotFoundError) throw new NotFoundError(`${file} is missing`, { file, hint });
    throw e;
  }
}

export function loadKeyfoldConfig(root: string): KeyfoldConfig {
  return parseKeyfoldConfig(readControlFile(root, CONFIG_FILE, CONFIG_HINT));
}

/** The policy of a repository, refusing one with cross-field problems. */
export function loadAccessPolicy(root: string): AccessPolicy {
  const { policy, problems } = checkAccessPolicy(readControlFile(root, ACCESS_FILE, POLICY_HINT));
  const first = problems[0];
  if (first) {
    throw new ConfigError(`${ACCESS_FILE}:${first.line}: ${first.path.join('.')}: ${first.message}`, { file: ACCESS_FILE, hint: POLICY_HINT });
  }
  return policy;
}

/** policies/rules.yaml; the defaults when the file does not exist. */
export function loadRules(root: string): Rules {
  if (!existsSync(join(root, RULES_FILE))) return defaultRules();
  return parseRules(readTextFile(join(root, RULES_FILE), RULES_FILE, { root }));
}

/** rotation/state.yaml (empty when the file does not exist). */
export function loadRotationState(root: string): RotationState {
  if (!existsSync(join(root, ROTATION_STATE_FILE))) return { rotations: {} };
  return parseRotationState(readTextFile(join(root, ROTATION_STATE_FILE), ROTATION_STATE_FILE, { root }));
}

/** Removals recorded by `member remove` (none when the file does not exist). */
export function loadRemovals(root: string): Removal[] {
  if (!existsSync(join(root, ROTATIONS_FILE))) return [];
  return parseRemovals(readTextFile(join(root, ROTATIONS_FILE), ROTATIONS_FILE, { root }));
}
