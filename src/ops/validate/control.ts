/**
 * `validate`: the control files — keyfold.yaml, policies/access.yaml, policies/rules.yaml
 * — of the work tree or of the base commit, parsed into what the other checks judge
 * with, and their problems as violations with lines (a broken file is a violation,
 * never a crash).
 */
import { count, plural } from '../../kernel/names.js';
import { join } from 'node:path';
import { ACCESS_FILE, AccessPolicySchema, type AccessPolicy } from '../../config/access-policy.js';
import { KeyfoldConfigSchema, type KeyfoldConfig, CONFIG_FILE } from '../../config/keyfold-config.js';
import { checkYamlConfig } from '../../config/parse-yaml-config.js';
import { RULES_FILE, checkRules, defaultRules, type Rules } from '../../config/rules.js';
import { ROTATION_STATE_FILE, RotationStateSchema } from '../../config/rotation-state.js';
import { NotFoundError, isKeyfoldError } from '../../kernel/errors.js';
import { policyProblems } from '../../core/policy.js';
import type { Violation } from '../../core/violation.js';
import { readTextFile } from '../../repo/secrets-tree.js';

export const CONTROL_FILES = [CONFIG_FILE, ACCESS_FILE, RULES_FILE] as const;

/** The control files' texts; undefined when a file does not exist. */
export type ControlTexts = Partial<Record<(typeof CONTROL_FILES)[number], string>>;

export interface ControlState {
  /** Undefined when keyfold.yaml is missing or invalid. */
  config?: KeyfoldConfig;
  /** Undefined when policies/access.yaml is missing or invalid. */
  policy?: AccessPolicy;
  /** The defaults when rules.yaml is missing or invalid. */
  rules: Rules;
  violations: Violation[];
}

/** Read the work tree's control files (missing ones are undefined). */
export function readControlTexts(root: string): { texts: ControlTexts; violations: Violation[] } {
  const texts: ControlTexts = {};
  const violations: Violation[] = [];
  for (const file of CONTROL_FILES) {
    try {
      texts[file] = readTextFile(join(root, file), file);
    } catch (e) {
      if (e instanceof NotFoundError) continue;
      if (!isKeyfoldError(e)) throw e;
      violations.push({ file, line: 1, rule: file === ACCESS_FILE ? 'policy' : 'config', message: e.message });
    }
  }
  return { texts, violations };
}

/**
 * Parse and check the control files. `side` words the messages: problems in the work
 * tree are to be fixed there; an invalid base means changes cannot be judged.
 */
export function checkControl(texts: ControlTexts, side: 'head' | 'base'): ControlState {
  const violations: Violation[] = [];
  const atBase = side === 'base' ? 'the base commit: ' : '';
  const state: ControlState = { rules: defaultRules(), violations };

  const configText = texts[CONFIG_FILE];
  if (configText === undefined) {
    violations.push({ file: CONFIG_FILE, line: 1, rule: 'config', message: `${atBase}${CONFIG_FILE} is missing` });
  } else {
    const checked = checkYamlConfig(configText, KeyfoldConfigSchema);
    if ('problem' in checked) violations.push({ file: CONFIG_FILE, line: checked.problem.line, rule: 'config', message: atBase + checked.problem.message });
    else state.config = checked.value;
  }

  const accessText = texts[ACCESS_FILE];
  if (accessText === undefined) {
    violations.push({ file: ACCESS_FILE, line: 1, rule: 'policy', message: `${atBase}${ACCESS_FILE} is missing` });
  } else {
    const checked = checkYamlConfig(accessText, AccessPolicySchema);
    if ('problem' in checked) {
      violations.push({ file: ACCESS_FILE, line: checked.problem.line, rule: 'policy', message: atBase + checked.problem.message });
    } else {
      state.policy = checked.value;
      // Cross-field problems of the base were reported when it was the head.
      if (side === 'head') {
        for (const p of policyProblems(checked.value)) {
          violations.push({ file: ACCESS_FILE, line: checked.lineOf(p.path), rule: 'policy', message: `${p.path.join('.')}: ${p.message}` });
        }
      }
    }
  }

  const rulesText = texts[RULES_FILE];
  if (rulesText !== undefined) {
    const checked = checkRules(rulesText);
    if ('problem' in checked) violations.push({ file: RULES_FILE, line: checked.problem.line, rule: 'config', message: atBase + checked.problem.message });
    else state.rules = checked.value;
  }

  if (state.config && side === 'head') violations.push(...configProblems(state.config, texts[CONFIG_FILE]!));
  return state;
}

/** Cross-field problems of keyfold.yaml: names that point nowhere. */
function configProblems(config: KeyfoldConfig, text: string): Violation[] {
  const checked = checkYamlConfig(text, KeyfoldConfigSchema);
  const lineOf = 'problem' in checked ? () => 1 : checked.lineOf;
  const out: Violation[] = [];
  const envs = new Set(config.environments);
  const add = (path: Array<string | number>, message: string) => out.push({ file: CONFIG_FILE, line: lineOf(path), rule: 'config', message: `${path.join('.')}: ${message}` });
  for (const [name, service] of Object.entries(config.services)) {
    for (const [env, targets] of Object.entries(service.targets)) {
      if (!envs.has(env)) add(['services', name, 'targets', env], `"${env}" is not an environment`);
      targets.forEach((t, i) => {
        if (!Object.hasOwn(config.targets, t)) add(['services', name, 'targets', env, i], `target "${t}" is not defined under targets`);
      });
    }
  }
  config.agents.allowed_envs.forEach((env, i) => {
    if (!envs.has(env)) add(['agents', 'allowed_envs', i], `"${env}" is not an environment`);
  });
  return out;
}

/**
 * rotation/state.yaml (written by `rotation run`): its schema — provider ids and times
 * only, no id longer than 128 characters or shaped like a credential — and no pending
 * revoke left for a rotation keyfold.yaml no longer declares (nothing would revoke it).
 */
export function checkRotationState(root: string, config: KeyfoldConfig | undefined): Violation[] {
  let text: string;
  try {
    text = readTextFile(join(root, ROTATION_STATE_FILE), ROTATION_STATE_FILE);
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    if (!isKeyfoldError(e)) throw e;
    return [{ file: ROTATION_STATE_FILE, line: 1, rule: 'rotation-state', message: e.message }];
  }
  const checked = checkYamlConfig(text, RotationStateSchema);
  if ('problem' in checked) return [{ file: ROTATION_STATE_FILE, line: checked.problem.line, rule: 'rotation-state', message: checked.problem.message }];
  const out: Violation[] = [];
  if (config) {
    for (const [name, entry] of Object.entries(checked.value.rotations)) {
      if (entry.pending.length > 0 && !Object.hasOwn(config.rotation, name)) {
        out.push({
          file: ROTATION_STATE_FILE,
          line: checked.lineOf(['rotations', name]),
          rule: 'rotation-state',
          message: `rotations.${name}: ${count(entry.pending.length, 'old credential')} ${plural(entry.pending.length, 'waits', 'wait')} for revoke, but keyfold.yaml has no rotation ${name} (revoke ${plural(entry.pending.length, 'it', 'them')} at the provider, then remove the entry)`,
        });
      }
    }
  }
  return out;
}
