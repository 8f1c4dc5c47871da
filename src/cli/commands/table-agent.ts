/** Command table rows: session credentials for AI agents. */
import { defineCommand, type CommandSpec } from './define.js';
import { repeatable, required, value } from './options.js';

export const AGENT_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'agent grant',
    args: '',
    summary: 'a session credential for an AI agent: only the in-scope values, re-encrypted to a fresh identity, valid for a TTL (prints one KEYFOLD_SESSION=… line)',
    examples: ['keyfold agent grant --scope "dev/providers/**" --ttl 2h --name cursor', 'keyfold agent grant --scope "dev/**" --ttl 1d --bundle-out /tmp/agent.bundle'],
    options: [
      repeatable('--scope <glob>', 'refs the agent may read (repeatable); only environments in agents.allowed_envs'),
      required('--ttl <duration>', 'how long it works: 30m, 2h, 1d … (at most 30d)'),
      value('--name <name>', 'a label for agent list'),
      value('--bundle-out <file>', 'also write the bundle here, for an agent on another machine (it sets KEYFOLD_SESSION_BUNDLE); the identity is never written beside it'),
    ],
    load: () => import('./agent-grant.js'),
    json: true,
  }),
  defineCommand({
    name: 'agent list',
    args: '',
    summary: 'agent sessions on this machine: id, name, scope, expiry, status and use count (never values)',
    examples: ['keyfold agent list', 'keyfold agent list --json'],
    load: () => import('./agent-list.js'),
    json: true,
  }),
  defineCommand({
    name: 'agent revoke',
    args: '<id>',
    summary: 'end an agent session now (its bundle deleted) and list the keys it could read (rotate them if the agent leaked)',
    examples: ['keyfold agent revoke 3f2a9c01d4e5b6a7'],
    load: () => import('./agent-revoke.js'),
    json: true,
  }),
];
