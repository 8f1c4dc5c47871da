#!/usr/bin/env node
// The keyfold action's entry point (action.yml). It maps the action's inputs, which the
// composite step passes as INPUT_COMMAND, INPUT_ENV and INPUT_ARGS, to keyfold's argv
// without a shell: the command through a fixed table, the environment checked and
// given as one `--env=` argument, the extra arguments split on whitespace and passed
// as they are (no quoting, globbing or expansion). It runs the bundled CLI
// (dist/keyfold.cjs) with the runner's Node, writes `exit-code` to $GITHUB_OUTPUT, and
// exits with keyfold's code. It never prints an input or the environment.
'use strict';
const { spawnSync } = require('node:child_process');
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');

const ENV_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** The keyfold arguments for the inputs, or `{ error }` (a usage error: exit 2). */
function toArgv(inputs) {
  const command = String(inputs.INPUT_COMMAND ?? '').trim();
  const env = String(inputs.INPUT_ENV ?? '').trim();
  let argv;
  switch (command) {
    case 'validate':
      argv = ['validate'];
      break;
    case 'sync':
      argv = ['sync'];
      break;
    case 'recipients-sync':
      argv = ['recipients', 'sync'];
      break;
    case 'rotation-run':
      argv = ['rotation', 'run'];
      break;
    default:
      return { error: 'input "command" must be one of validate, sync, recipients-sync, rotation-run' };
  }
  if (env !== '') {
    if (command === 'validate') return { error: 'input "env" does not apply to validate' };
    if (!ENV_NAME.test(env)) return { error: 'input "env" is not an environment name (letters, digits, . _ -)' };
    argv.push(`--env=${env}`);
  }
  const args = String(inputs.INPUT_ARGS ?? '')
    .split(/\s+/)
    .filter((a) => a !== '');
  return { argv: [...argv, ...args] };
}

function output(code) {
  const file = process.env.GITHUB_OUTPUT;
  if (file) appendFileSync(file, `exit-code=${code}\n`);
}

function main() {
  const parsed = toArgv(process.env);
  if (parsed.error) {
    process.stderr.write(`::error title=keyfold action::${parsed.error}\n`);
    output(2);
    return 2;
  }
  const r = spawnSync(process.execPath, [join(__dirname, 'dist', 'keyfold.cjs'), ...parsed.argv], { stdio: 'inherit' });
  const code = r.error ? 70 : (r.status ?? 70);
  if (r.error) process.stderr.write('::error title=keyfold action::cannot run the keyfold bundle\n');
  output(code);
  return code;
}

module.exports = { toArgv };
if (require.main === module) process.exitCode = main();
