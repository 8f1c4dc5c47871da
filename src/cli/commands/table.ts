/**
 * The command table: every command's name, arguments, summary, examples and options.
 * program.ts turns it into commander commands; a handler module (and the heavy
 * dependencies behind it) loads only when its command runs.
 */
import type { CommandSpec } from './define.js';
import { AGENT_COMMANDS } from './table-agent.js';
import { AUDIT_COMMANDS } from './table-audit.js';
import { GIT_COMMANDS } from './table-git.js';
import { POLICY_COMMANDS } from './table-policy.js';
import { PROPOSE_COMMANDS } from './table-propose.js';
import { RUN_COMMANDS } from './table-run.js';
import { SECRETS_COMMANDS } from './table-secrets.js';
import { SETUP_COMMANDS } from './table-setup.js';
import { SYNC_COMMANDS } from './table-sync.js';

/** Every command, in the order `keyfold --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [...SETUP_COMMANDS, ...SECRETS_COMMANDS, ...PROPOSE_COMMANDS, ...RUN_COMMANDS, ...SYNC_COMMANDS, ...AGENT_COMMANDS, ...POLICY_COMMANDS, ...AUDIT_COMMANDS, ...GIT_COMMANDS];


/** The groups of two-word commands (`member add`), with their descriptions. */
export const GROUPS: Record<string, string> = {
  recipients: "make files' recipients match the access policy",
  member: 'add or remove members of the access policy',
  rotation: 'credential rotation, and the rotations owed after members leave',
  agent: 'session credentials for AI agents',
  git: 'git diff and merge drivers for secrets files',
  propose: 'changes as pull requests: a new branch from the default branch, pushed and opened on GitHub',
};
